"""Sending images from brick to brick: "→ Img2img", "→ Inpaint"... under every result gallery.

A gallery remembers the image last clicked (or its first image, after a new result). Its
buttons are laid out with the gallery, and wired once every brick exists: each puts the
image into the target brick's input and switches to that brick's tab.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.ui.parts import PageParts

PRIVATE = {"api_visibility": "private"}
TARGETS = {
    "img2img": "Img2img",
    "inpaint": "Inpaint",
    "outpaint": "Outpaint",
    "upscale": "Upscale",
    "background": "Background",
    "vectorize": "Vectorize",
    "retouch": "Retouch",
}


def send_bar(parts: PageParts, gallery: gr.Gallery, key: str) -> None:
    """Buttons under ``gallery`` that send its selected image to the editing bricks."""
    selected = gr.State(None)

    def remember(event: gr.SelectData) -> str | None:
        value = event.value or {}
        return (value.get("image") or {}).get("path")

    def first(images: list[tuple[str, str | None]] | None) -> str | None:
        return images[0][0] if images else None

    gallery.select(remember, None, selected, **PRIVATE)
    gallery.change(first, gallery, selected, **PRIVATE)
    with gr.Row():
        for target, label in TARGETS.items():
            button = gr.Button(f"→ {label}", size="sm", elem_id=f"qpyt-{key}-to-{target}")
            parts.sends.append((button, selected, target))


def wire_sends(parts: PageParts) -> None:
    """Connect every send button to its target brick (call once all bricks are built)."""
    for button, selected, target in parts.sends:
        tab_id, component = parts.targets[target]
        button.click(_sender(tab_id, component), selected, [parts.tabs, component], **PRIVATE)


def _sender(tab_id: str, component: Any):
    editor = isinstance(component, gr.ImageEditor)

    def send(path: str | None) -> tuple[Any, Any]:
        if not path:
            gr.Warning("Pick an image in the gallery first.")
            return gr.skip(), gr.skip()
        value = {"background": path, "layers": [], "composite": path} if editor else path
        return gr.Tabs(selected=tab_id), value

    return send
