"""Outpaint: extend the canvas on any side, or to an aspect ratio, and paint the new area.

The canvas is pre-filled from the image's edges and goes through the Inpaint brick's path with
a mask over the new area and a feathered overlap band: outside that band the original stays
exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result
from qpyt_gradio.bricks.inpaint import inpainting

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

FILLS = ("reflect", "stretch")
MAX_EXTENSION = 4096
OUTPAINT_BLUR = 16


def _side(name: str) -> object:
    return params.whole(name, f"pixels to add on the {name.lower()}", 0, 0, MAX_EXTENSION, step=8)


@dataclass(frozen=True)
class OutpaintRequest:
    image: str | None = shared.source_image("the image to extend")
    prompt: str = shared.prompt("what the new area should show")
    negative_prompt: str = shared.negative_prompt()
    model: str = shared.model()
    left: int = _side("Left")
    top: int = _side("Top")
    right: int = _side("Right")
    bottom: int = _side("Bottom")
    aspect: str = params.text(
        "Aspect ratio", "extend to this ratio instead of by sides, e.g. 16:9; empty for the sides"
    )
    fill: str = params.choice(
        "Pre-fill", "how the new area starts: a blurred mirror or stretched edges", "reflect", FILLS
    )
    overlap: int = params.whole("Overlap", "pixels of the original redrawn along the seam", 16, 0, 512, step=4)
    strength: float = shared.strength(1.0)
    steps: int | None = shared.steps()
    guidance: float | None = shared.guidance()
    seed: int = shared.seed()
    num_images: int = shared.num_images()
    loras: tuple[tuple[str, float], ...] = shared.loras()
    styles: tuple[str, ...] = shared.styles()


def run(workspace: Workspace, job: Job, request: OutpaintRequest) -> Result:
    from qpyt_gradio.generation.editing import Source, open_source  # torch and diffusers: first use only
    from qpyt_gradio.generation.inpainting import inpaint_source
    from qpyt_gradio.generation.outpainting import (
        Extension,
        check_extension,
        extended_canvas,
        extension_for_aspect,
        outpaint_mask,
    )

    source = open_source(request.image, "outpaint")
    extension = Extension(request.left, request.top, request.right, request.bottom, request.fill, request.overlap)
    if request.aspect:
        sized = extension_for_aspect(*source.image.size, request.aspect)
        extension = replace(sized, fill=request.fill, overlap=request.overlap)
    extension = check_extension(extension, *source.image.size)
    canvas = Source(extended_canvas(source.image, extension), source.sha256, source.notes)
    sides = {side: getattr(extension, side) for side in ("left", "top", "right", "bottom", "fill", "overlap")}
    mask = outpaint_mask(source.image.size, extension)
    return inpaint_source(
        workspace, job, inpainting(request, mask_blur=OUTPAINT_BLUR), canvas, mask, brick="outpaint", extra=sides
    )


BRICK = Brick(
    name="outpaint",
    label="Outpaint",
    summary="Extend an image's canvas on any side, or to an aspect ratio, and paint the new area.",
    request=OutpaintRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="outpaint",
    text_field="prompt",
)
