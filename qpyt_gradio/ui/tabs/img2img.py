"""The Img2img brick: redraw an image after a prompt, at a chosen strength. API: ``/img2img``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from qpyt_gradio.generation.streaming import QueueReporter
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint, session_key
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import PRIVATE, result_panel, stream_result, wire_result
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_api_defaults, edit_controls, edit_params, source_image
from qpyt_gradio.workspace import AppContext

if TYPE_CHECKING:
    from qpyt_gradio.generation.editing import EditParams

DEFAULT_STRENGTH = 0.6


def stream_img2img(ctx: AppContext, request: gr.Request, image: str | None, params: EditParams) -> Iterator[Any]:
    """Redraw ``image`` with ``params`` as a job of the request's session: previews, then the result."""
    from qpyt_gradio.generation.editing import img2img as redraw

    def work(reporter: QueueReporter, cancel: threading.Event):
        return redraw(
            ctx.registry,
            image,
            params,
            ctx.settings.outputs_dir,
            ctx.settings.max_side,
            reporter,
            cancel,
            ctx.live_preview,
        )

    yield from stream_result(ctx, session_key(request), work, params.__dict__)


def build_img2img(ctx: AppContext, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("img2img")
            controls = edit_controls(ctx, parts, "img2img", DEFAULT_STRENGTH)
        with gr.Column(scale=2):
            run, cancel, gallery, summary, used = result_panel("Redraw", "img2img")
            send_bar(parts, gallery, "img2img")
    parts.targets["img2img"] = ("img2img", image)

    @user_errors
    def img2img(
        image,
        prompt,
        negative_prompt,
        model,
        strength,
        steps,
        guidance,
        seed,
        num_images,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        params = edit_params(prompt, negative_prompt, model, strength, steps, guidance, seed, num_images)
        yield from stream_img2img(ctx, request, image, params)

    api_endpoint(
        img2img,
        {"image": FILE, **edit_api_defaults(ctx, parts, DEFAULT_STRENGTH)},
        [gallery, used],
        "img2img",
        **GPU_QUEUE,
    )
    event = run.click(img2img, [image, *controls.inputs(parts.sidebar.model)], [gallery, used], **GPU_QUEUE, **PRIVATE)
    wire_result(ctx, parts, event, gallery, used, summary, cancel)
