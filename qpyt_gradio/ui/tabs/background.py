"""The Background brick: cut the subject out with rembg, or replace the background from a prompt.

API: ``/remove_background(image, background_model, output, color, alpha_matting)`` and
``/replace_background(image, prompt, negative_prompt, model, background_model, steps, guidance,
seed)``. Replacing goes through the inpainting path with the background as the mask.
"""

from __future__ import annotations

import threading

import gradio as gr
from PIL import Image

from qpyt_gradio.generation.streaming import QueueReporter
from qpyt_gradio.helpers.kinds import BACKGROUND_MODELS
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint, session_key
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import PRIVATE, result_panel, stream_result, wire_result
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_params, source_image
from qpyt_gradio.workspace import AppContext

OUTPUT_CHOICES = [("Transparent PNG", "transparent"), ("Mask only", "mask"), ("Subject on a colour", "color")]
REPLACE_BLUR = 4


def build_background(ctx: AppContext, parts: PageParts) -> None:
    defaults = ctx.catalog.resolve(parts.sidebar.model.value).defaults
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("background")
            background_model = gr.Dropdown(list(BACKGROUND_MODELS), value=BACKGROUND_MODELS[0], label="rembg model")
            with gr.Row():
                output = gr.Radio(OUTPUT_CHOICES, value="transparent", label="Output")
                color = gr.ColorPicker("#ffffff", label="Colour")
                alpha_matting = gr.Checkbox(False, label="Alpha matting (finer hair and edges)")
            with gr.Accordion("Replace the background", open=False):
                prompt = gr.Textbox(label="New background", lines=2, elem_id="qpyt-background-prompt")
                negative = gr.Textbox(label="Negative prompt", lines=1)
                with gr.Row():
                    steps = gr.Slider(1, 150, defaults.steps, step=1, label="Steps")
                    guidance = gr.Slider(0, 30, defaults.guidance, step=0.1, label="Guidance")
                    seed = gr.Number(-1, label="Seed (−1 = random)", precision=0)
                replace = gr.Button("Replace the background", elem_id="qpyt-background-replace")
        with gr.Column(scale=2):
            run, cancel, gallery, summary, used = result_panel("Remove the background", "background")
            send_bar(parts, gallery, "background")
    parts.targets["background"] = ("background", image)

    @user_errors
    def remove_background(image, background_model, output, color, alpha_matting):
        from qpyt_gradio.finishing.background import remove_background as cut

        result = cut(ctx.registry, image, background_model, output, color, alpha_matting, ctx.settings.outputs_dir)
        for note in result.parameters["notes"]:
            gr.Warning(note)
        return [str(path) for path in result.paths], result.parameters

    @user_errors
    def replace_background(
        image,
        prompt,
        negative_prompt,
        model,
        background_model,
        steps,
        guidance,
        seed,
        request: gr.Request,
        progress=gr.Progress(track_tqdm=True),
    ):
        from qpyt_gradio.finishing.background import cut_out
        from qpyt_gradio.generation.editing import open_source
        from qpyt_gradio.generation.inpainting import InpaintOptions, inpaint_source

        params = edit_params(prompt, negative_prompt, model, 1.0, steps, guidance, seed)

        def work(reporter: QueueReporter, cancel: threading.Event):
            source = open_source(image, "replace the background of")
            cutout = cut_out(ctx.registry, image, background_model, False)
            background = Image.eval(cutout.alpha, lambda value: 255 - value)
            return inpaint_source(
                ctx.registry,
                source,
                background,
                params,
                InpaintOptions(mask_blur=REPLACE_BLUR),
                ctx.settings.outputs_dir,
                ctx.settings.max_side,
                reporter,
                cancel,
                ctx.live_preview,
                brick="replace_background",
                extra={"background_model": background_model},
            )

        yield from stream_result(ctx, session_key(request), work, params.__dict__)

    api_endpoint(
        remove_background,
        {
            "image": FILE,
            "background_model": BACKGROUND_MODELS[0],
            "output": "transparent",
            "color": "#ffffff",
            "alpha_matting": False,
        },
        [gallery, used],
        "remove_background",
        **GPU_QUEUE,
    )
    api_endpoint(
        replace_background,
        {
            "image": FILE,
            "prompt": "",
            "negative_prompt": "",
            "model": parts.sidebar.model.value,
            "background_model": BACKGROUND_MODELS[0],
            "steps": defaults.steps,
            "guidance": defaults.guidance,
            "seed": -1,
        },
        [gallery, used],
        "replace_background",
        **GPU_QUEUE,
    )
    removed = run.click(
        remove_background,
        [image, background_model, output, color, alpha_matting],
        [gallery, used],
        **GPU_QUEUE,
        **PRIVATE,
    )
    wire_result(ctx, parts, removed, gallery, used, summary, cancel)
    replaced = replace.click(
        replace_background,
        [image, prompt, negative, parts.sidebar.model, background_model, steps, guidance, seed],
        [gallery, used],
        **GPU_QUEUE,
        **PRIVATE,
    )
    wire_result(ctx, parts, replaced, gallery, used, summary, None)
