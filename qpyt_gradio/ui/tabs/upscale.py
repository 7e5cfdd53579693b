"""The Upscale brick: enlarge ×1.5 to ×4 and redraw the details tile by tile. API: ``/upscale``."""

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

DEFAULT_STRENGTH = 0.3


def build_upscale(ctx: AppContext, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("upscale")
            with gr.Row():
                scale = gr.Slider(1.5, 4.0, 2.0, step=0.5, label="Scale")
                tile = gr.Number(0, label="Tile (px, 0 = the model's size)", precision=0, minimum=0)
                overlap = gr.Number(0, label="Overlap (px, 0 = tile ÷ 8)", precision=0, minimum=0)
            controls = edit_controls(ctx, parts, "upscale", DEFAULT_STRENGTH, batch=False)
            gr.Markdown("An empty prompt upscales with “highly detailed, sharp focus”.")
        with gr.Column(scale=2):
            run, cancel, gallery, summary, used = result_panel("Upscale", "upscale")
            send_bar(parts, gallery, "upscale")
    parts.targets["upscale"] = ("upscale", image)

    @user_errors
    def upscale(
        image,
        prompt,
        negative_prompt,
        model,
        scale,
        tile,
        overlap,
        strength,
        steps,
        guidance,
        seed,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        from qpyt_gradio.generation.upscaling import Tiling
        from qpyt_gradio.generation.upscaling import upscale as enlarge

        params = edit_params(prompt, negative_prompt, model, strength, steps, guidance, seed)
        tiling = Tiling(scale, tile or 0, overlap or 0)

        def work(reporter: QueueReporter, cancel: threading.Event):
            return enlarge(
                ctx.registry, image, params, tiling, ctx.settings.outputs_dir, ctx.settings.max_side, reporter, cancel
            )

        yield from stream_result(ctx, session_key(request), work, params.__dict__)

    shared_defaults = list(edit_api_defaults(ctx, parts, DEFAULT_STRENGTH, batch=False).items())
    api_endpoint(
        upscale,
        {
            "image": FILE,
            **dict(shared_defaults[:3]),
            "scale": 2.0,
            "tile": 0,
            "overlap": 0,
            **dict(shared_defaults[3:]),
        },
        [gallery, used],
        "upscale",
        **GPU_QUEUE,
    )
    shared = controls.inputs(parts.sidebar.model)
    event = run.click(
        upscale, [image, *shared[:3], scale, tile, overlap, *shared[3:]], [gallery, used], **GPU_QUEUE, **PRIVATE
    )
    wire_result(ctx, parts, event, gallery, used, summary, cancel)
