"""Sending an image from brick to brick: one "Send to" list under every result gallery.

A gallery remembers the position last clicked; a send takes the image at that position in the
gallery as it is now (the one the gallery shows selected), or its first image. The lists are laid
out with the galleries and wired once every brick exists: picking a brick puts the image into its
input, carries the image's prompt along where the brick takes one for the same picture (Img2img,
Upscale), switches to that brick's tab and empties the list again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.metadata import read_parameters
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.tabs import TAB_LABELS

TARGETS = {
    brick.tab: TAB_LABELS.get(brick.tab, brick.label)
    for brick in BRICKS.values()
    if brick.takes_image and brick.tab != "prompt-tools"
}
"""The tabs an image can be sent to: those of the bricks that take one (captions have their own button)."""


@dataclass(frozen=True)
class SendTarget:
    """Where a sent image goes: the tab, its image input, and the prompt that takes the image's prompt along."""

    tab: str
    image: Any
    prompt: gr.Textbox | None = None


@dataclass(frozen=True)
class SendList:
    """A "Send to" list under ``gallery`` (of the tab ``key``), with the gallery position last clicked."""

    picker: gr.Dropdown
    gallery: gr.Gallery
    selected: gr.State


def send_bar(parts: PageParts, gallery: gr.Gallery, key: str) -> None:
    """A "Send to" list under ``gallery``: every brick that takes an image, except the tab ``key`` itself."""
    selected = gr.State(0)

    def remember(event: gr.SelectData) -> int:
        return int(event.index)

    gallery.select(remember, None, selected, **PRIVATE)
    choices = [(label, target) for target, label in TARGETS.items() if target != key]
    picker = gr.Dropdown(choices, value=None, label="Send to", elem_id=f"qpyt-{key}-send")
    parts.sends.append(SendList(picker, gallery, selected))


def picked(images: list[tuple[str, str | None]] | None, index: int | None) -> str | None:
    """The path of the image at ``index`` in the gallery, its first image when out of range, or None."""
    if not images:
        return None
    position = index if isinstance(index, int) and 0 <= index < len(images) else 0
    return images[position][0]


def wire_sends(parts: PageParts) -> None:
    """Connect every "Send to" list to the bricks (call once all bricks are built). A pick is a ``select``
    event: a dropdown also reports ``input`` when it loses focus, which would send the image again."""
    targets = dict(parts.targets)
    inputs = [target.image for target in targets.values()]
    prompts = {name: target.prompt for name, target in targets.items() if target.prompt is not None}
    for send in parts.sends:
        send.picker.select(
            _sender(targets, list(prompts)),
            [send.picker, send.gallery, send.selected],
            [parts.tabs, send.picker, *inputs, *prompts.values()],
            **PRIVATE,
        )


def _sender(targets: dict[str, SendTarget], prompted: list[str]):
    def send(name: str | None, images: list[tuple[str, str | None]] | None, index: int | None) -> tuple[Any, ...]:
        keep = (gr.skip(),) * (len(targets) + len(prompted))
        path = picked(images, index)
        if name not in targets:
            return gr.skip(), None, *keep
        if not path:
            gr.Warning("Pick an image in the gallery first.")
            return gr.skip(), None, *keep
        if path.lower().endswith(".svg"):
            gr.Warning("An SVG is a drawing, not an image the bricks take: send the image it was traced from.")
            return gr.skip(), None, *keep
        images_out = [_input_value(target, path) if each == name else gr.skip() for each, target in targets.items()]
        prompt = read_parameters(Path(path)).get("prompt") if name in prompted else None
        prompts_out = [prompt if each == name and prompt else gr.skip() for each in prompted]
        return gr.Tabs(selected=targets[name].tab), None, *images_out, *prompts_out

    return send


def _input_value(target: SendTarget, path: str) -> Any:
    """What the target's image input takes: a path, or an editor's background for Inpaint."""
    if isinstance(target.image, gr.ImageEditor):
        return {"background": path, "layers": [], "composite": path}
    return path
