"""Sending images from brick to brick: "→ Img2img", "→ Inpaint"... under every result gallery.

A gallery remembers the position last clicked; a send takes the image at that position in the
gallery as it is now (the one the gallery shows selected), or its first image. The buttons are
laid out with the gallery, and wired once every brick exists: each puts the image into the target
brick's input and switches to that brick's tab.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.tabs import TAB_LABELS

TARGETS = {
    brick.tab: TAB_LABELS.get(brick.tab, brick.label)
    for brick in BRICKS.values()
    if brick.takes_image and brick.tab != "prompt-tools"
}
"""The tabs an image can be sent to: those of the bricks that take one (captions have their own button)."""


def send_bar(parts: PageParts, gallery: gr.Gallery, key: str) -> None:
    """Buttons under ``gallery`` that send its selected image to the editing bricks."""
    selected = gr.State(0)

    def remember(event: gr.SelectData) -> int:
        return int(event.index)

    gallery.select(remember, None, selected, **PRIVATE)
    with gr.Row():
        for target, label in TARGETS.items():
            button = gr.Button(f"→ {label}", size="sm", elem_id=f"qpyt-{key}-to-{target}")
            parts.sends.append((button, gallery, selected, target))


def picked(images: list[tuple[str, str | None]] | None, index: int | None) -> str | None:
    """The path of the image at ``index`` in the gallery, its first image when out of range, or None."""
    if not images:
        return None
    position = index if isinstance(index, int) and 0 <= index < len(images) else 0
    return images[position][0]


def wire_sends(parts: PageParts) -> None:
    """Connect every send button to its target brick (call once all bricks are built)."""
    for button, gallery, selected, target in parts.sends:
        tab_id, component = parts.targets[target]
        button.click(_sender(tab_id, component), [gallery, selected], [parts.tabs, component], **PRIVATE)


def _sender(tab_id: str, component: Any):
    editor = isinstance(component, gr.ImageEditor)

    def send(images: list[tuple[str, str | None]] | None, index: int | None) -> tuple[Any, Any]:
        path = picked(images, index)
        if not path:
            gr.Warning("Pick an image in the gallery first.")
            return gr.skip(), gr.skip()
        value = {"background": path, "layers": [], "composite": path} if editor else path
        return gr.Tabs(selected=tab_id), value

    return send
