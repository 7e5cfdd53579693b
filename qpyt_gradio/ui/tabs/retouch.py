"""The Retouch brick: adjustments with a live preview, applied to a new image; and an AI cleanup.

API: ``/retouch(image, brightness, contrast, saturation, sharpness, warmth, blur, auto_levels,
denoise)``. The AI cleanup is a low-strength pass of the Img2img brick's function.
"""

from __future__ import annotations

from dataclasses import asdict, fields

import gradio as gr

from qpyt_gradio.finishing.retouch import NEUTRAL, Adjustments
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import PRIVATE, result_panel, wire_result
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_params, source_image
from qpyt_gradio.ui.tabs.img2img import stream_img2img
from qpyt_gradio.workspace import AppContext

CLEANUP_PROMPT = "clean, sharp, high quality"
CLEANUP_STRENGTH = 0.25


def build_retouch(ctx: AppContext, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("retouch")
            with gr.Row():
                sliders = [
                    gr.Slider(-100, 100, 0, step=1, label=label)
                    for label in ("Brightness", "Contrast", "Saturation", "Sharpness", "Warmth")
                ]
            with gr.Row():
                blur = gr.Slider(0, 20, 0, step=0.5, label="Blur (px)")
                auto_levels = gr.Checkbox(False, label="Auto levels")
                denoise = gr.Slider(0, 3, 0, step=1, label="Denoise (passes)")
            with gr.Row():
                reset = gr.Button("Reset", elem_id="qpyt-retouch-reset")
                apply = gr.Button("Apply (new image)", variant="primary", elem_id="qpyt-retouch-apply")
            with gr.Accordion("AI cleanup (low-strength img2img with the current model)", open=False):
                cleanup_prompt = gr.Textbox(CLEANUP_PROMPT, label="Prompt", lines=1)
                with gr.Row():
                    cleanup_strength = gr.Slider(0.05, 0.6, CLEANUP_STRENGTH, step=0.01, label="Strength")
                    cleanup_seed = gr.Number(-1, label="Seed (−1 = random)", precision=0)
        with gr.Column(scale=2):
            shown = gr.Image(label="Preview", type="pil", format="png", height=360, elem_id="qpyt-retouch-preview")
            run, cancel, gallery, summary, used = result_panel("AI cleanup", "retouch")
            send_bar(parts, gallery, "retouch")
    parts.targets["retouch"] = ("retouch", image)
    adjustments = [*sliders, blur, auto_levels, denoise]

    @user_errors
    def live(image, brightness, contrast, saturation, sharpness, warmth, blur, auto_levels, denoise):
        from qpyt_gradio.finishing.retouch import preview

        if not image:
            return None
        values = Adjustments(brightness, contrast, saturation, sharpness, warmth, blur, auto_levels, denoise)
        return preview(image, values)

    @user_errors
    def retouch(image, brightness, contrast, saturation, sharpness, warmth, blur, auto_levels, denoise):
        from qpyt_gradio.finishing.retouch import retouch as adjust_image

        values = Adjustments(brightness, contrast, saturation, sharpness, warmth, blur, auto_levels, denoise)
        result = adjust_image(image, values, ctx.settings.outputs_dir)
        return [str(path) for path in result.paths], result.parameters

    @user_errors
    def cleanup(image, prompt, model, strength, seed, request: gr.Request, progress=gr.Progress(track_tqdm=True)):
        defaults = ctx.catalog.resolve(model).defaults
        params = edit_params(prompt or CLEANUP_PROMPT, "", model, strength, defaults.steps, defaults.guidance, seed)
        yield from stream_img2img(ctx, request, image, params)

    neutral = asdict(NEUTRAL)
    api_endpoint(
        retouch,
        {"image": FILE, **{field.name: neutral[field.name] for field in fields(Adjustments)}},
        [gallery, used],
        "retouch",
        **GPU_QUEUE,
    )
    for control in adjustments:
        control.change(
            live, [image, *adjustments], shown, trigger_mode="always_last", show_progress="hidden", **PRIVATE
        )
    image.change(live, [image, *adjustments], shown, show_progress="hidden", **PRIVATE)
    reset.click(
        lambda: [*(gr.update(value=neutral[field.name]) for field in fields(Adjustments))], None, adjustments, **PRIVATE
    )
    applied = apply.click(retouch, [image, *adjustments], [gallery, used], **GPU_QUEUE, **PRIVATE)
    wire_result(ctx, parts, applied, gallery, used, summary, None)
    cleaned = run.click(
        cleanup,
        [image, cleanup_prompt, parts.sidebar.model, cleanup_strength, cleanup_seed],
        [gallery, used],
        **GPU_QUEUE,
        **PRIVATE,
    )
    wire_result(ctx, parts, cleaned, gallery, used, summary, cancel)
