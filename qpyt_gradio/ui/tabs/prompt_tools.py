"""Prompt helpers in the page: image → prompt, French → English, prompt enhancement.

They appear twice, from the same handlers: as a bar under the Generate prompt (results go
straight into it) and as their own tab for batch work, whose results can be sent on. The
tab also declares the API: ``/caption(image, task)``, ``/translate(text)`` (returns the text
and a note) and ``/enhance_prompt(text, engine, creativity, seed)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qpyt_gradio.engines import ENGINES
from qpyt_gradio.generation.streaming import BackgroundJob
from qpyt_gradio.helpers.kinds import CAPTION_TASKS, MAX_CREATIVITY
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint, session_key
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.workspace import AppContext

TASK_CHOICES = [(task.label, key) for key, task in CAPTION_TASKS.items()]
DEFAULT_CREATIVITY = 0.7
PRIVATE = {"api_visibility": "private"}


@dataclass(frozen=True)
class PromptHandlers:
    """The three helpers as Gradio handlers; their parameter names are the API's."""

    caption: Any
    translate: Any
    enhance_prompt: Any


def prompt_handlers(ctx: AppContext) -> PromptHandlers:
    @user_errors
    def caption(image: str | None, task: str, progress=gr.Progress(track_tqdm=True)) -> str:
        from qpyt_gradio.helpers.caption import caption as describe  # torch, transformers: first use only

        result = describe(ctx.registry, image, task)
        for note in result.notes:
            gr.Warning(note)
        return result.text

    @user_errors
    def translate(text: str, progress=gr.Progress(track_tqdm=True)) -> tuple[str, str]:
        from qpyt_gradio.helpers.translate import translate as to_english

        result = to_english(ctx.registry, text)
        gr.Info(result.note)
        return result.text, result.note

    @user_errors
    def enhance_prompt(
        text: str,
        engine: str,
        creativity: float,
        seed: float,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ) -> Iterator[str]:
        from qpyt_gradio.helpers.enhance import enhance

        with ctx.jobs.running(session_key(request)) as cancel:
            running = BackgroundJob(
                lambda emit: enhance(ctx.registry, text, engine, creativity, seed, emit, cancel), cancel
            )
            yield from running.events()
            yield running.result

    return PromptHandlers(caption, translate, enhance_prompt)


def merge_into_prompt(current: str | None, addition: str | None, mode: str) -> str:
    """``addition`` replacing the prompt, or appended to it after a comma."""
    current, addition = (current or "").strip(), (addition or "").strip()
    if mode == "Append" and current and addition:
        return f"{current.rstrip(', ')}, {addition}"
    return addition or current


def _last_output(paths: list[str] | None) -> Any:
    if not paths:
        gr.Warning("There is no output in this session yet.")
        return gr.skip()
    return paths[0]


def _family(ctx: AppContext, model: str) -> str:
    return ctx.catalog.resolve(model).family


def build_prompt_bar(ctx: AppContext, parts: PageParts, prompt: gr.Textbox) -> None:
    """Buttons and options under the Generate prompt; results go into ``prompt``."""
    handlers = prompt_handlers(ctx)
    with gr.Row():
        translate = gr.Button("🌐 Translate to English", size="sm", elem_id="qpyt-bar-translate")
        enhance = gr.Button("✨ Enhance", size="sm", elem_id="qpyt-bar-enhance")
    with gr.Accordion("Prompt helpers", open=False, elem_id="qpyt-prompt-helpers"):
        with gr.Row():
            creativity = gr.Slider(0, MAX_CREATIVITY, DEFAULT_CREATIVITY, step=0.05, label="Enhancer creativity")
            seed = gr.Number(0, label="Enhancer seed (−1 = random)", precision=0)
        with gr.Row():
            image = gr.Image(
                type="filepath",
                sources=["upload", "clipboard"],
                label="Image → prompt",
                height=200,
                elem_id="qpyt-bar-image",
            )
            with gr.Column():
                task = gr.Radio(TASK_CHOICES, value="prompt", label="Description")
                mode = gr.Radio(["Replace", "Append"], value="Replace", label="Into the prompt")
                describe = gr.Button("Describe the image", elem_id="qpyt-bar-describe")
                last = gr.Button("Use the last output", size="sm")

    def translate_prompt(text: str, progress=gr.Progress(track_tqdm=True)) -> str:
        return handlers.translate(text, progress)[0]

    def enhance_in_place(
        text: str,
        model: str,
        creativity: float,
        seed: float,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ) -> Iterator[str]:
        yield from handlers.enhance_prompt(text, _family(ctx, model), creativity, seed, request, progress)

    def describe_into(
        image: str | None, task: str, mode: str, current: str, progress=gr.Progress(track_tqdm=True)
    ) -> str:
        return merge_into_prompt(current, handlers.caption(image, task, progress), mode)

    translate.click(translate_prompt, prompt, prompt, **GPU_QUEUE, **PRIVATE)
    enhance.click(
        user_errors(enhance_in_place), [prompt, parts.sidebar.model, creativity, seed], prompt, **GPU_QUEUE, **PRIVATE
    )
    describe.click(describe_into, [image, task, mode, prompt], prompt, **GPU_QUEUE, **PRIVATE)
    last.click(_last_output, parts.history_paths, image, **PRIVATE)


def build_prompt_tools(ctx: AppContext, parts: PageParts) -> None:
    """The Prompt tools tab, and the helpers' API endpoints."""
    handlers = prompt_handlers(ctx)
    with gr.Row(equal_height=False):
        with gr.Column():
            gr.Markdown("### Image → prompt\nFlorence-2 describes the image.")
            image = gr.Image(type="filepath", sources=["upload", "clipboard"], label="Image", height=260)
            task = gr.Radio(TASK_CHOICES, value="prompt", label="Description")
            with gr.Row():
                describe = gr.Button("Describe", variant="primary", elem_id="qpyt-tools-describe")
                last = gr.Button("Use the last output")
            caption_text = gr.Textbox(label="Description", lines=5, elem_id="qpyt-tools-caption")
            _send_buttons(parts, caption_text)
        with gr.Column():
            gr.Markdown("### French → English\nMarianMT; prompt syntax is kept as written.")
            french = gr.Textbox(label="Text", lines=5, elem_id="qpyt-tools-french")
            translate = gr.Button("Translate", variant="primary", elem_id="qpyt-tools-translate")
            english = gr.Textbox(label="English", lines=5, elem_id="qpyt-tools-english")
            note = gr.Markdown(elem_id="qpyt-tools-translate-note")
            _send_buttons(parts, english)
        with gr.Column():
            gr.Markdown("### Enhance a prompt\nQwen2.5 writes a richer prompt for the engine.")
            idea = gr.Textbox(label="Idea", lines=3, elem_id="qpyt-tools-idea")
            engine = gr.Dropdown([(item.label, key) for key, item in ENGINES.items()], value="sdxl", label="For")
            with gr.Row():
                creativity = gr.Slider(0, MAX_CREATIVITY, DEFAULT_CREATIVITY, step=0.05, label="Creativity")
                seed = gr.Number(0, label="Seed (−1 = random)", precision=0)
            enhance = gr.Button("Enhance", variant="primary", elem_id="qpyt-tools-enhance")
            enhanced = gr.Textbox(label="Enhanced prompt", lines=6, elem_id="qpyt-tools-enhanced")
            _send_buttons(parts, enhanced)

    api_endpoint(handlers.caption, {"image": FILE, "task": "prompt"}, [caption_text], "caption", **GPU_QUEUE)
    api_endpoint(handlers.translate, {"text": ""}, [english, note], "translate", **GPU_QUEUE)
    api_endpoint(
        handlers.enhance_prompt,
        {"text": "", "engine": "sdxl", "creativity": DEFAULT_CREATIVITY, "seed": 0},
        [enhanced],
        "enhance_prompt",
        **GPU_QUEUE,
    )

    describe.click(handlers.caption, [image, task], caption_text, **GPU_QUEUE, **PRIVATE)
    last.click(_last_output, parts.history_paths, image, **PRIVATE)
    translate.click(handlers.translate, french, [english, note], **GPU_QUEUE, **PRIVATE)
    enhance.click(handlers.enhance_prompt, [idea, engine, creativity, seed], enhanced, **GPU_QUEUE, **PRIVATE)


def _send_buttons(parts: PageParts, source: gr.Textbox) -> None:
    """ "Send to the Generate prompt" buttons for ``source`` (replace / append)."""
    with gr.Row():
        for mode in ("Replace", "Append"):
            button = gr.Button(f"→ Generate prompt ({mode.lower()})", size="sm")
            button.click(_merge_as(mode), [source, parts.prompt], parts.prompt, **PRIVATE)


def _merge_as(mode: str):
    def merge(text: str, current: str) -> str:
        return merge_into_prompt(current, text, mode)

    return merge
