"""The Outpaint brick: extend the canvas on any side, or to an aspect ratio. API: ``/outpaint``."""

from __future__ import annotations

import threading

import gradio as gr

from qpyt_gradio.generation.streaming import QueueReporter
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint, session_key
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import PRIVATE, result_panel, stream_result, wire_result
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_api_defaults, edit_controls, edit_params, source_image
from qpyt_gradio.workspace import AppContext

DEFAULT_STRENGTH = 1.0
ASPECTS = ["", "1:1", "4:3", "3:2", "16:9", "21:9", "3:4", "2:3", "9:16"]


def build_outpaint(ctx: AppContext, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("outpaint")
            with gr.Row():
                sides = [
                    gr.Number(0, label=f"{side} (px)", precision=0, minimum=0)
                    for side in ("Left", "Top", "Right", "Bottom")
                ]
            with gr.Row():
                aspect = gr.Dropdown(ASPECTS, value="", label="…or extend to an aspect ratio", allow_custom_value=True)
                fill = gr.Radio(["reflect", "stretch"], value="reflect", label="Pre-fill the new area with")
                overlap = gr.Slider(0, 128, 16, step=4, label="Overlap into the original (px)")
            controls = edit_controls(ctx, parts, "outpaint", DEFAULT_STRENGTH)
        with gr.Column(scale=2):
            run, cancel, gallery, summary, used = result_panel("Outpaint", "outpaint")
            send_bar(parts, gallery, "outpaint")
    parts.targets["outpaint"] = ("outpaint", image)

    @user_errors
    def outpaint(
        image,
        prompt,
        negative_prompt,
        model,
        left,
        top,
        right,
        bottom,
        aspect,
        fill,
        overlap,
        strength,
        steps,
        guidance,
        seed,
        num_images,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        from qpyt_gradio.generation.outpainting import Extension
        from qpyt_gradio.generation.outpainting import outpaint as extend

        params = edit_params(prompt, negative_prompt, model, strength, steps, guidance, seed, num_images)
        extension = Extension(left or 0, top or 0, right or 0, bottom or 0, fill, overlap)

        def work(reporter: QueueReporter, cancel: threading.Event):
            return extend(
                ctx.registry,
                image,
                params,
                extension,
                ctx.settings.outputs_dir,
                ctx.settings.max_side,
                aspect=aspect,
                reporter=reporter,
                cancel=cancel,
                live_preview=ctx.live_preview,
            )

        yield from stream_result(ctx, session_key(request), work, params.__dict__)

    shared_defaults = list(edit_api_defaults(ctx, parts, DEFAULT_STRENGTH).items())
    extension_defaults = {"left": 0, "top": 0, "right": 0, "bottom": 0, "aspect": "", "fill": "reflect", "overlap": 16}
    api_endpoint(
        outpaint,
        {"image": FILE, **dict(shared_defaults[:3]), **extension_defaults, **dict(shared_defaults[3:])},
        [gallery, used],
        "outpaint",
        **GPU_QUEUE,
    )
    shared = controls.inputs(parts.sidebar.model)
    inputs = [image, *shared[:3], *sides, aspect, fill, overlap, *shared[3:]]
    event = run.click(outpaint, inputs, [gallery, used], **GPU_QUEUE, **PRIVATE)
    wire_result(ctx, parts, event, gallery, used, summary, cancel)
