"""Prompt helpers in the page: image → prompt, French → English, prompt enhancement.

They appear twice, as the same bricks: as a bar under the Generate prompt (results go straight
into it) and as their own tab for batch work, whose results can be sent on.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.bricks import caption, enhance_prompt, translate
from qpyt_gradio.bricks.params import declaration
from qpyt_gradio.engines import ENGINES
from qpyt_gradio.helpers.kinds import CAPTION_TASKS
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.forms import BrickForm, control
from qpyt_gradio.ui.panels import TextPanel
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import wire_brick
from qpyt_gradio.ui.workflow_draft import add_to_workflow_button
from qpyt_gradio.workspace import Workspace

TASK_CHOICES = [(task.label, key) for key, task in CAPTION_TASKS.items()]
MERGES = ("Replace", "Append")


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


def _enhancer_controls(workspace: Workspace, prefix: str = "") -> dict[str, Any]:
    """Creativity and seed (0 by default, so the same idea gives the same prompt until it is changed)."""
    request = enhance_prompt.EnhancePromptRequest
    labels = {"creativity": f"{prefix}creativity", "seed": f"{prefix}seed (−1 = random)"} if prefix else {}
    return {
        "creativity": control(workspace, declaration(request, "creativity"), label=labels.get("creativity")),
        "seed": control(workspace, declaration(request, "seed"), 0, label=labels.get("seed")),
    }


def build_prompt_bar(workspace: Workspace, parts: PageParts, prompt: gr.Textbox) -> None:
    """Buttons and options under the Generate prompt; results go into ``prompt``."""
    with gr.Row():
        translating = gr.Button("Translate to English", size="sm", elem_id="qpyt-bar-translate")
        enhancing = gr.Button("Enhance", size="sm", elem_id="qpyt-bar-enhance")
        undo = gr.Button("Undo", size="sm", scale=0, min_width=80, elem_id="qpyt-bar-undo")
    parts.prompt_before = gr.State(None)
    undo.click(_undo, [parts.prompt_before, prompt], [prompt, parts.prompt_before], **PRIVATE)
    for helper in (translating, enhancing):
        keep_for_undo(parts, helper)
    with gr.Accordion("Prompt helpers", open=False, elem_id="qpyt-prompt-helpers"):
        with gr.Row():
            enhancer = _enhancer_controls(workspace, "Enhancer ")
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
                mode = gr.Radio(list(MERGES), value="Replace", label="Into the prompt")
                describe = gr.Button("Describe the image", elem_id="qpyt-bar-describe")
                last = gr.Button("Use the last output", size="sm")
    described = gr.Textbox(visible=False)
    as_text = BrickForm(translate.BRICK, {"text": prompt})
    wire_brick(workspace, parts, as_text, translating, TextPanel(prompt))
    richer = BrickForm(enhance_prompt.BRICK, {"text": prompt, "engine": parts.sidebar.model, **enhancer})
    wire_brick(workspace, parts, richer, enhancing, TextPanel(prompt))
    captioned = wire_brick(
        workspace, parts, BrickForm(caption.BRICK, {"image": image, "task": task}), describe, TextPanel(described)
    )
    captioned.success(merge_into_prompt, [prompt, described, mode], prompt, **PRIVATE)
    last.click(_last_output, parts.history_paths, image, **PRIVATE)
    keep_for_undo(parts, describe)


def keep_for_undo(parts: PageParts, trigger: gr.Button) -> None:
    """Keep the Generate prompt as it is when ``trigger`` is pressed, for "Undo" (one step back). Wire it
    before the helper's own event: the page runs a trigger's events in order, and one that reads the
    prompt after an event that writes it gets the new text."""
    trigger.click(lambda text: text, parts.prompt, parts.prompt_before, queue=False, **PRIVATE)


def _undo(before: str | None, now: str) -> tuple[Any, Any]:
    """The prompt as it was before the last helper changed it; pressed again, back to the helper's text."""
    if before is None:
        gr.Info("Nothing to undo: no helper has changed the prompt yet.")
        return gr.skip(), gr.skip()
    return before, now


def build_prompt_tools(workspace: Workspace, parts: PageParts) -> None:
    """The Prompt tools tab: each helper with its own input and result, sent on to the Generate prompt."""
    with gr.Row(equal_height=False):
        with gr.Column():
            gr.Markdown("### Image → prompt\nFlorence-2 describes the image.")
            image = gr.Image(type="filepath", sources=["upload", "clipboard"], label="Image", height=260)
            task = gr.Radio(TASK_CHOICES, value="prompt", label="Description")
            with gr.Row():
                describe = gr.Button("Describe", variant="primary", elem_id="qpyt-tools-describe")
                last = gr.Button("Use the last output", size="sm")
            add_caption = gr.Button("Add to workflow", size="sm", elem_id="qpyt-tools-caption-add")
            caption_text = gr.Textbox(label="Description", lines=5, elem_id="qpyt-tools-caption")
            _send_buttons(parts, caption_text)
        with gr.Column():
            gr.Markdown("### French → English\nMarianMT; prompt syntax is kept as written.")
            french = control(workspace, declaration(translate.TranslateRequest, "text"), elem_id="qpyt-tools-french")
            translating = gr.Button("Translate", variant="primary", elem_id="qpyt-tools-translate")
            add_translate = gr.Button("Add to workflow", size="sm", elem_id="qpyt-tools-translate-add")
            english = gr.Textbox(label="English", lines=5, elem_id="qpyt-tools-english")
            note = gr.Markdown(elem_id="qpyt-tools-translate-note")
            _send_buttons(parts, english)
        with gr.Column():
            gr.Markdown("### Enhance a prompt\nQwen2.5 writes a richer prompt for the engine.")
            idea = control(
                workspace, declaration(enhance_prompt.EnhancePromptRequest, "text"), elem_id="qpyt-tools-idea"
            )
            engine = gr.Dropdown([(item.label, key) for key, item in ENGINES.items()], value="sdxl", label="For")
            with gr.Row():
                enhancer = _enhancer_controls(workspace)
            enhancing = gr.Button("Enhance", variant="primary", elem_id="qpyt-tools-enhance")
            add_enhance = gr.Button("Add to workflow", size="sm", elem_id="qpyt-tools-enhance-add")
            enhanced = gr.Textbox(label="Enhanced prompt", lines=6, elem_id="qpyt-tools-enhanced")
            _send_buttons(parts, enhanced)
    forms = [
        (BrickForm(caption.BRICK, {"image": image, "task": task}), describe, add_caption, TextPanel(caption_text)),
        (BrickForm(translate.BRICK, {"text": french}), translating, add_translate, TextPanel(english, note)),
        (
            BrickForm(enhance_prompt.BRICK, {"text": idea, "engine": engine, **enhancer}),
            enhancing,
            add_enhance,
            TextPanel(enhanced),
        ),
    ]
    for form, run, add, panel in forms:
        wire_brick(workspace, parts, form, run, panel)
        add_to_workflow_button(parts, form, add)
    last.click(_last_output, parts.history_paths, image, **PRIVATE)


def _send_buttons(parts: PageParts, source: gr.Textbox) -> None:
    """ "Send to the Generate prompt" buttons for ``source`` (replace / append)."""
    with gr.Row():
        for mode in MERGES:
            button = gr.Button(f"→ Generate prompt ({mode.lower()})", size="sm")
            keep_for_undo(parts, button)
            button.click(_merge_as(mode), [source, parts.prompt], parts.prompt, **PRIVATE)


def _merge_as(mode: str):
    def merge(text: str, current: str) -> str:
        return merge_into_prompt(current, text, mode)

    return merge
