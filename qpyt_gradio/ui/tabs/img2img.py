"""The Img2img tab: a source image, a prompt and a strength."""

from __future__ import annotations

import gradio as gr

from qpyt_gradio.bricks.img2img import BRICK, Img2imgRequest
from qpyt_gradio.ui.forms import BrickForm
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import result_area, wire_image_brick
from qpyt_gradio.ui.send import SendTarget, send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_controls, source_image
from qpyt_gradio.workspace import Workspace


def build_img2img(workspace: Workspace, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("img2img")
            shared = edit_controls(workspace, parts, Img2imgRequest, "img2img")
        with gr.Column(scale=2):
            area = result_area("Redraw", "img2img")
            send_bar(parts, area.panel.gallery, "img2img")
    parts.targets["img2img"] = SendTarget("img2img", image, shared["prompt"])
    wire_image_brick(workspace, parts, BrickForm(BRICK, {"image": image, **shared}), area)
