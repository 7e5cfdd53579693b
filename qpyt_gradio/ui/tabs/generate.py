"""The Generate brick: text to image on any engine, with progress, live preview and Cancel.

``/generate`` is its API: keyword parameters ``prompt, negative_prompt, model, width,
height, steps, guidance, seed, num_images``; it returns the images and the parameters
actually used (seeds included). The API takes plain fields, so every bad value reaches the
brick's own validation and gets its named message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from qpyt_gradio.engines import MAX_GUIDANCE, MAX_IMAGES, MAX_STEPS, MIN_SIDE
from qpyt_gradio.generation.request import GenerateParams, PreparedGeneration, prepare
from qpyt_gradio.generation.streaming import QueueReporter
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.ui.api import GPU_QUEUE, api_endpoint, session_key
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.recall import recall_from_image
from qpyt_gradio.ui.running import PRIVATE, result_panel, stream_result, wire_result
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.prompt_tools import build_prompt_bar
from qpyt_gradio.workspace import AppContext

if TYPE_CHECKING:
    from qpyt_gradio.generation.results import GenerationResult


def run_generation(
    ctx: AppContext, params: GenerateParams, session: str, progress: gr.Progress
) -> Iterator[tuple[Any, Any]]:
    """Validate, then sample in a worker; yield (gallery, parameters) updates: previews, then the result."""
    from qpyt_gradio.generation.txt2img import generate  # torch and diffusers: first use only

    spec = ctx.catalog.resolve(params.model)
    prepared = prepare(params, spec, ctx.settings.max_side)
    if ctx.auto_translate:
        prepared = _translated(ctx, prepared)
    registry = ctx.registry
    progress(0, desc=f"Preparing {spec.name}")

    def work(reporter: QueueReporter, cancel: threading.Event) -> GenerationResult:
        return generate(registry, prepared, ctx.settings.outputs_dir, reporter, cancel, ctx.live_preview)

    yield from stream_result(ctx, session, work, prepared.params.to_json())


def _translated(ctx: AppContext, prepared: PreparedGeneration) -> PreparedGeneration:
    """``prepared`` with its prompt in English when it was written in French."""
    from qpyt_gradio.helpers.translate import translate

    result = translate(ctx.registry, prepared.params.prompt)
    if not result.translated:
        return prepared
    return replace(
        prepared,
        params=replace(prepared.params, prompt=result.text),
        source_prompt=prepared.params.prompt,
        notes=(*prepared.notes, f"Prompt translated from French: {result.text}"),
    )


def build_generate(ctx: AppContext, parts: PageParts) -> None:
    """The Generate tab, wired to the sidebar's model picker and the page's session gallery."""
    sidebar = parts.sidebar
    spec = ctx.catalog.resolve(sidebar.model.value)
    defaults = spec.defaults
    multiple = spec.engine.size_multiple
    with gr.Row(equal_height=False, elem_id="qpyt-generate-brick"):
        with gr.Column(scale=3):
            prompt = gr.Textbox(
                label="Prompt", lines=3, placeholder="Describe the image… (Ctrl+Enter generates)", elem_id="qpyt-prompt"
            )
            parts.prompt = prompt
            build_prompt_bar(ctx, parts, prompt)
            negative = gr.Textbox(
                label="Negative prompt", lines=1, interactive=spec.engine.negative_prompt, elem_id="qpyt-negative"
            )
            with gr.Row():
                width = gr.Slider(MIN_SIDE, ctx.settings.max_side, defaults.width, step=multiple, label="Width")
                height = gr.Slider(MIN_SIDE, ctx.settings.max_side, defaults.height, step=multiple, label="Height")
            with gr.Row():
                steps = gr.Slider(1, MAX_STEPS, defaults.steps, step=1, label="Steps")
                guidance = gr.Slider(0, MAX_GUIDANCE, defaults.guidance, step=0.1, label="Guidance")
            with gr.Row():
                seed = gr.Number(-1, label="Seed (−1 = random)", precision=0, minimum=-1, elem_id="qpyt-seed")
                random_seed = gr.Button("🎲 Random", size="sm")
                reuse_seed = gr.Button("♻ Reuse last seed", size="sm")
                count = gr.Slider(1, MAX_IMAGES, 1, step=1, label="Images")
            engine_note = gr.Markdown(_engine_note(spec))
            with gr.Accordion("Load parameters from an image", open=False, elem_id="qpyt-recall-panel"):
                source = gr.File(
                    label="PNG from Qpyt-UI or AUTOMATIC1111",
                    file_types=[".png"],
                    type="filepath",
                    elem_id="qpyt-recall",
                )
        with gr.Column(scale=2):
            run, cancel, gallery, summary, used = result_panel("Generate", "generate")
            send_bar(parts, gallery, "generate")
    inputs = [prompt, negative, sidebar.model, width, height, steps, guidance, seed, count]

    @user_errors
    def generate(
        prompt,
        negative_prompt,
        model,
        width,
        height,
        steps,
        guidance,
        seed,
        num_images,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        params = GenerateParams(prompt, negative_prompt, model, width, height, steps, guidance, seed, num_images)
        yield from run_generation(ctx, params, session_key(request), progress)

    page_event = run.click(generate, inputs, [gallery, used], api_name="generate_in_page", **GPU_QUEUE, **PRIVATE)
    wire_result(ctx, parts, page_event, gallery, used, summary, cancel)

    api_endpoint(
        generate,
        {
            "prompt": "",
            "negative_prompt": "",
            "model": spec.name,
            "width": defaults.width,
            "height": defaults.height,
            "steps": defaults.steps,
            "guidance": defaults.guidance,
            "seed": -1,
            "num_images": 1,
        },
        [gallery, used],
        api_name="generate",
        **GPU_QUEUE,
    )

    random_seed.click(lambda: -1, None, seed, **PRIVATE)
    reuse_seed.click(_last_seed, used, seed, **PRIVATE)
    sidebar.model.input(
        _apply_model(ctx), sidebar.model, [width, height, steps, guidance, negative, engine_note], **PRIVATE
    )
    source.upload(_recall(ctx), source, inputs, **PRIVATE)


def _last_seed(parameters: dict[str, Any] | None) -> Any:
    if not parameters or "seed" not in parameters:
        gr.Warning("Generate an image first: there is no seed to reuse yet.")
        return gr.skip()
    return parameters["seed"]


def _engine_note(spec: ModelSpec) -> str:
    note = f"*{spec.engine_variant.label}*: {spec.engine.guidance_note}"
    if spec.demo:
        note = "**Demo model: tiny random weights, it draws noise.** " + note
    return note


def _apply_model(ctx: AppContext):
    @user_errors
    def apply(name: str) -> tuple[Any, ...]:
        spec = ctx.catalog.resolve(name)
        defaults, engine = spec.defaults, spec.engine
        return (
            gr.update(value=defaults.width, step=engine.size_multiple),
            gr.update(value=defaults.height, step=engine.size_multiple),
            defaults.steps,
            defaults.guidance,
            gr.update(
                interactive=engine.negative_prompt,
                placeholder="" if engine.negative_prompt else f"{engine.label} takes no negative prompt",
            ),
            _engine_note(spec),
        )

    return apply


def _recall(ctx: AppContext):
    @user_errors
    def recall(path: str | None) -> tuple[Any, ...]:
        if not path:
            return tuple(gr.skip() for _ in fields(GenerateParams))
        values, message = recall_from_image(Path(path), ctx.catalog)
        if message:
            gr.Warning(message)
        return tuple(values[field.name] if field.name in values else gr.skip() for field in fields(GenerateParams))

    return recall
