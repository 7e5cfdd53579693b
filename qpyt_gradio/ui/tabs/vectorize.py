"""The Vectorize brick: trace an image into an SVG with vtracer. API: ``/vectorize`` (returns the SVG file).

A preset fills the controls; in the API, controls left empty take the preset's values.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio.helpers.kinds import BACKGROUND_MODELS
from qpyt_gradio.ui.api import FILE, GPU_QUEUE, api_endpoint
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import PRIVATE
from qpyt_gradio.ui.tabs.edit_controls import source_image
from qpyt_gradio.workspace import AppContext

PRESET_NAMES = ("logo", "illustration", "photo")
PREVIEW_BYTES = 3 * 1024**2


def preview_html(path: Path, statistics: dict[str, Any]) -> str:
    """The SVG shown as an image (an <img> runs no script), or a note when it is too large to show."""
    size = f"{statistics['paths']} paths · {statistics['colors']} colours · {statistics['bytes'] / 1024:.0f} KB"
    if statistics["bytes"] > PREVIEW_BYTES:
        return f"<p>{size} — too large to preview here; download the file.</p>"
    encoded = base64.b64encode(path.read_bytes()).decode()
    return (
        f'<img id="qpyt-vectorize-svg" src="data:image/svg+xml;base64,{encoded}" '
        f'style="max-width:100%;max-height:480px;background:#fff"/><p>{size}</p>'
    )


def build_vectorize(ctx: AppContext, parts: PageParts) -> None:
    from qpyt_gradio.finishing.vectorize import PRESETS  # light: PIL and the standard library

    start = PRESETS["illustration"]
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("vectorize")
            preset = gr.Radio(list(PRESET_NAMES), value="illustration", label="Preset")
            with gr.Row():
                colormode = gr.Radio(["color", "binary"], value=start.colormode, label="Colours")
                mode = gr.Radio(["spline", "polygon"], value=start.mode, label="Curves")
            with gr.Row():
                speckle = gr.Slider(0, 128, start.filter_speckle, step=1, label="Speckle filter (px)")
                precision = gr.Slider(1, 8, start.color_precision, step=1, label="Colour precision (bits)")
                difference = gr.Slider(0, 255, start.layer_difference, step=1, label="Layer difference")
                corner = gr.Slider(0, 180, start.corner_threshold, step=1, label="Corner threshold (°)")
            with gr.Accordion("Before tracing", open=False), gr.Row():
                remove_background = gr.Checkbox(False, label="Remove the background")
                colors = gr.Number(0, label="Reduce to N colours (0 = keep)", precision=0, minimum=0)
                max_side = gr.Number(0, label="Downscale to (px, 0 = keep)", precision=0, minimum=0)
            force = gr.Checkbox(False, label="Vectorize anyway (even above 5 MB)")
        with gr.Column(scale=2):
            run = gr.Button("Vectorize", variant="primary", elem_id="qpyt-vectorize-run")
            shown = gr.HTML(elem_id="qpyt-vectorize-preview")
            download = gr.File(label="SVG", elem_id="qpyt-vectorize-file")
            with gr.Accordion("Parameters used", open=False):
                used = gr.JSON()
    parts.targets["vectorize"] = ("vectorize", image)
    controls = [colormode, speckle, precision, difference, corner, mode]

    @user_errors
    def vectorize(
        image,
        preset,
        colormode,
        filter_speckle,
        color_precision,
        layer_difference,
        corner_threshold,
        mode,
        remove_background,
        colors,
        max_side,
        force,
    ):
        from qpyt_gradio.finishing.background import compose, cut_out
        from qpyt_gradio.finishing.vectorize import PreSteps
        from qpyt_gradio.finishing.vectorize import vectorize as trace

        base = PRESETS.get(preset) or PRESETS["illustration"]
        given = {
            "colormode": colormode,
            "filter_speckle": filter_speckle,
            "color_precision": color_precision,
            "layer_difference": layer_difference,
            "corner_threshold": corner_threshold,
            "mode": mode,
        }
        tracing = replace(base, **{key: value for key, value in given.items() if value not in (None, "")})
        steps = PreSteps(bool(remove_background), colors or 0, max_side or 0)

        def subject(path: str) -> Any:
            return compose(cut_out(ctx.registry, path, BACKGROUND_MODELS[0], False), "transparent")

        result = trace(image, tracing, steps, ctx.settings.outputs_dir, bool(force), subject)
        for note in result.parameters["notes"]:
            gr.Warning(note)
        return str(result.paths[0]), result.parameters

    def vectorize_in_page(*values: Any) -> tuple[Any, Any, str]:
        path, parameters = vectorize(*values)
        return path, parameters, preview_html(Path(path), parameters)

    def apply_preset(name: str) -> list[Any]:
        chosen = PRESETS[name]
        return [
            chosen.colormode,
            chosen.filter_speckle,
            chosen.color_precision,
            chosen.layer_difference,
            chosen.corner_threshold,
            chosen.mode,
        ]

    api_endpoint(
        vectorize,
        {
            "image": FILE,
            "preset": "illustration",
            "colormode": "",
            "filter_speckle": "",
            "color_precision": "",
            "layer_difference": "",
            "corner_threshold": "",
            "mode": "",
            "remove_background": False,
            "colors": 0,
            "max_side": 0,
            "force": False,
        },
        [download, used],
        "vectorize",
        **GPU_QUEUE,
    )
    preset.input(apply_preset, preset, controls, **PRIVATE)
    run.click(
        vectorize_in_page,
        [image, preset, *controls, remove_background, colors, max_side, force],
        [download, used, shown],
        **GPU_QUEUE,
        **PRIVATE,
    )
