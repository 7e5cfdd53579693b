"""The Inpaint tab: paint a mask on the image (or upload one) and redraw that part.

In the editor the mask is the first layer's paint (its alpha); an uploaded mask, white where
the image should change, takes precedence.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import Image

from qpyt_gradio.bricks.inpaint import BRICK, InpaintRequest
from qpyt_gradio.ui.forms import BrickForm, controls
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import result_area, wire_image_brick
from qpyt_gradio.ui.send import SendTarget, send_bar
from qpyt_gradio.ui.tabs.edit_controls import edit_controls
from qpyt_gradio.workspace import Workspace


def painted_layer(editor: dict[str, Any] | None) -> str | None:
    """The file of the editor's first layer when something was painted on it (its alpha is the mask)."""
    layers = (editor or {}).get("layers") or []
    if not layers or layers[0] is None:
        return None
    with Image.open(layers[0]) as layer:
        painted = layer.convert("RGBA").getchannel("A").getextrema()[1] > 0
    return layers[0] if painted else None


def editor_values(values: dict[str, Any]) -> dict[str, Any]:
    """The editor's background as the image; the uploaded mask, else the painted layer, as the mask."""
    editor = values["image"]
    return {**values, "image": (editor or {}).get("background"), "mask": values["mask"] or painted_layer(editor)}


def build_inpaint(workspace: Workspace, parts: PageParts) -> None:
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
                uploaded = gr.Image(label="Mask (white = change)", type="filepath", image_mode=None, height=200)
            with gr.Row():
                options = controls(workspace, InpaintRequest, ["mask_blur", "padding"])
            options.update(controls(workspace, InpaintRequest, ["only_masked"]))
            shared = edit_controls(workspace, parts, InpaintRequest, "inpaint")
        with gr.Column(scale=2):
            area = result_area("Inpaint", "inpaint")
            send_bar(parts, area.panel.gallery, "inpaint")
    parts.targets["inpaint"] = SendTarget("inpaint", editor)
    inputs = {"image": editor, "mask": uploaded, **shared, **options}
    wire_image_brick(workspace, parts, BrickForm(BRICK, inputs, editor_values), area)
