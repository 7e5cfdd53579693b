"""The Inpaint brick: paint a mask on the image (or upload one) and redraw that part. API: ``/inpaint``.

In the editor the mask is the first layer's paint (its alpha); an uploaded mask, white where
the image should change, takes precedence.
"""

from __future__ import annotations

import threading
from typing import Any

import gradio as gr
from PIL import Image

from qpyt_gradio.generation.streaming import QueueReporter
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint, session_key
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import PRIVATE, result_panel, stream_result, wire_result
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_api_defaults, edit_controls, edit_params
from qpyt_gradio.workspace import AppContext

DEFAULT_STRENGTH = 1.0


def painted_mask(editor: dict[str, Any] | None) -> Image.Image | None:
    """The alpha of the editor's first layer, or None when nothing was painted."""
    layers = (editor or {}).get("layers") or []
    if not layers or layers[0] is None:
        return None
    alpha = Image.open(layers[0]).convert("RGBA").getchannel("A")
    return alpha if alpha.getextrema()[1] > 0 else None


def build_inpaint(ctx: AppContext, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            editor = gr.ImageEditor(
                label="Image — paint over what should change",
                type="filepath",
                format="png",
                sources=["upload", "clipboard"],
                brush=gr.Brush(colors=["#ffffff"], color_mode="fixed", default_size=24),
                transforms=(),
                height=420,
                elem_id="qpyt-inpaint-editor",
            )
            with gr.Accordion("Upload a mask instead", open=False):
                uploaded = gr.Image(label="Mask (white = change)", type="filepath", height=200)
            with gr.Row():
                blur = gr.Slider(0, 64, 8, step=1, label="Mask blur (feather, px)")
                only_masked = gr.Checkbox(False, label="Inpaint only the masked area")
                padding = gr.Slider(0, 256, 32, step=8, label="Padding around the mask (px)")
            controls = edit_controls(ctx, parts, "inpaint", DEFAULT_STRENGTH)
        with gr.Column(scale=2):
            run, cancel, gallery, summary, used = result_panel("Inpaint", "inpaint")
            send_bar(parts, gallery, "inpaint")
    parts.targets["inpaint"] = ("inpaint", editor)

    @user_errors
    def inpaint(
        image,
        mask,
        prompt,
        negative_prompt,
        model,
        strength,
        steps,
        guidance,
        seed,
        num_images,
        mask_blur,
        only_masked,
        padding,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        from qpyt_gradio.generation.inpainting import InpaintOptions
        from qpyt_gradio.generation.inpainting import inpaint as redraw_masked

        params = edit_params(prompt, negative_prompt, model, strength, steps, guidance, seed, num_images)
        options = InpaintOptions(mask_blur, bool(only_masked), padding)

        def work(reporter: QueueReporter, cancel: threading.Event):
            return redraw_masked(
                ctx.registry,
                image,
                mask,
                params,
                options,
                ctx.settings.outputs_dir,
                ctx.settings.max_side,
                reporter,
                cancel,
                ctx.live_preview,
            )

        yield from stream_result(ctx, session_key(request), work, params.__dict__)

    def inpaint_in_page(
        editor,
        uploaded,
        prompt,
        negative_prompt,
        model,
        strength,
        steps,
        guidance,
        seed,
        num_images,
        mask_blur,
        only_masked,
        padding,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        yield from inpaint(
            (editor or {}).get("background"),
            uploaded or painted_mask(editor),
            prompt,
            negative_prompt,
            model,
            strength,
            steps,
            guidance,
            seed,
            num_images,
            mask_blur,
            only_masked,
            padding,
            request,
            progress,
        )

    api_endpoint(
        inpaint,
        {
            "image": FILE,
            "mask": FILE,
            **edit_api_defaults(ctx, parts, DEFAULT_STRENGTH),
            "mask_blur": 8,
            "only_masked": False,
            "padding": 32,
        },
        [gallery, used],
        "inpaint",
        **GPU_QUEUE,
    )
    inputs = [editor, uploaded, *controls.inputs(parts.sidebar.model), blur, only_masked, padding]
    event = run.click(inpaint_in_page, inputs, [gallery, used], **GPU_QUEUE, **PRIVATE)
    wire_result(ctx, parts, event, gallery, used, summary, cancel)
