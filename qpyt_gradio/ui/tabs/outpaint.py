"""The Outpaint tab: pixels to add on each side, or a target aspect ratio."""

from __future__ import annotations

import gradio as gr

from qpyt_gradio.bricks.outpaint import BRICK, OutpaintRequest
from qpyt_gradio.ui.forms import BrickForm, controls
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import result_area, wire_image_brick
from qpyt_gradio.ui.send import SendTarget, send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_controls, source_image
from qpyt_gradio.workspace import Workspace

ASPECTS = ["", "1:1", "4:3", "3:2", "16:9", "21:9", "3:4", "2:3", "9:16"]


def build_outpaint(workspace: Workspace, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("outpaint")
            with gr.Row():
                sides = controls(workspace, OutpaintRequest, ["left", "top", "right", "bottom"], min_width=110)
            with gr.Row():
                aspect = gr.Dropdown(
                    ASPECTS, value="", label="Aspect ratio", info="instead of the sides", allow_custom_value=True
                )
                canvas = controls(workspace, OutpaintRequest, ["fill", "overlap"])
            shared = edit_controls(workspace, parts, OutpaintRequest, "outpaint")
        with gr.Column(scale=2):
            area = result_area("Outpaint", "outpaint")
            send_bar(parts, area.panel.gallery, "outpaint")
    parts.targets["outpaint"] = SendTarget("outpaint", image)
    inputs = {"image": image, **shared, **sides, "aspect": aspect, **canvas}
    wire_image_brick(workspace, parts, BrickForm(BRICK, inputs), area)
