"""The Upscale tab: scale, tile and overlap; the details are redrawn tile by tile."""

from __future__ import annotations

import gradio as gr

from qpyt_gradio.bricks.upscale import BRICK, UpscaleRequest
from qpyt_gradio.ui.forms import BrickForm, controls
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import result_area, wire_image_brick
from qpyt_gradio.ui.send import SendTarget, send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_controls, source_image
from qpyt_gradio.workspace import Workspace


def build_upscale(workspace: Workspace, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("upscale")
            with gr.Row():
                tiling = controls(workspace, UpscaleRequest, ["scale", "tile", "overlap"])
            shared = edit_controls(workspace, parts, UpscaleRequest, "upscale")
            gr.Markdown("An empty prompt upscales with “highly detailed, sharp focus”.")
        with gr.Column(scale=2):
            area = result_area("Upscale", "upscale")
            send_bar(parts, area.panel.gallery, "upscale")
    parts.targets["upscale"] = SendTarget("upscale", image, shared["prompt"])
    wire_image_brick(workspace, parts, BrickForm(BRICK, {"image": image, **shared, **tiling}), area)
