"""The Vectorize tab: a preset fills the tracing controls; the SVG is shown, offered, and described."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.bricks.vectorize import BRICK, PRESET_NAMES, VectorizeRequest
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.forms import BrickForm, controls
from qpyt_gradio.ui.panels import SvgPanel
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import wire_brick
from qpyt_gradio.ui.send import SendTarget
from qpyt_gradio.ui.tabs.edit_controls import source_image
from qpyt_gradio.ui.workflow_draft import add_to_workflow_button
from qpyt_gradio.workspace import Workspace

TRACING = ("colormode", "mode", "filter_speckle", "color_precision", "layer_difference", "corner_threshold")


def preset_values(name: str) -> dict[str, Any]:
    """The tracing controls' values of preset ``name``."""
    from dataclasses import asdict

    from qpyt_gradio.finishing.vectorize import PRESETS  # light: PIL and the standard library

    values = asdict(PRESETS[name])
    return {key: values[key] for key in TRACING}


def build_vectorize(workspace: Workspace, parts: PageParts) -> None:
    start = preset_values("illustration")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("vectorize")
            preset = gr.Radio(list(PRESET_NAMES), value="illustration", label="Preset")
            with gr.Row():
                modes = controls(workspace, VectorizeRequest, ["colormode", "mode"], start)
            with gr.Row():
                tracing = controls(workspace, VectorizeRequest, TRACING[2:4], start)
            with gr.Row():
                tracing |= controls(workspace, VectorizeRequest, TRACING[4:], start)
            with gr.Accordion("Before tracing", open=False), gr.Row():
                before = controls(workspace, VectorizeRequest, ["remove_background", "colors", "max_side"])
            force = controls(workspace, VectorizeRequest, ["force"], label="Vectorize anyway (even above 5 MB)")
        with gr.Column(scale=2):
            run = gr.Button("Vectorize", variant="primary", elem_id="qpyt-vectorize-run")
            add = gr.Button("Add to workflow", size="sm", elem_id="qpyt-vectorize-add")
            shown = gr.HTML(elem_id="qpyt-vectorize-preview")
            download = gr.File(label="SVG", elem_id="qpyt-vectorize-file")
            with gr.Accordion("Parameters used", open=False):
                used = gr.JSON()
    parts.targets["vectorize"] = SendTarget("vectorize", image)
    form = BrickForm(BRICK, {"image": image, "preset": preset, **modes, **tracing, **before, **force})
    wire_brick(workspace, parts, form, run, SvgPanel(download, used, shown))
    add_to_workflow_button(parts, form, add)
    preset.input(
        lambda name: list(preset_values(name).values()), preset, [*modes.values(), *tracing.values()], **PRIVATE
    )
