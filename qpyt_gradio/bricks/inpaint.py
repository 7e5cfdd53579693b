"""Inpaint: redraw the masked part of an image (white = change); every pixel beyond the mask and its
feathered edge keeps its exact value."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class InpaintRequest:
    image: str | None = shared.source_image("the image to change")
    mask: str | None = params.image("Mask", "white (or painted, opaque) where the image should change", feed="mask")
    prompt: str = shared.prompt("what the masked area should show")
    negative_prompt: str = shared.negative_prompt()
    model: str = shared.model()
    strength: float = shared.strength(1.0)
    steps: int | None = shared.steps()
    guidance: float | None = shared.guidance()
    seed: int = shared.seed()
    num_images: int = shared.num_images()
    mask_blur: int = params.whole("Mask blur", "width of the feathered edge around the mask, in pixels", 8, 0, 128)
    only_masked: bool = params.flag(
        "Inpaint only the masked area", "work on a crop around the mask at the model's own resolution"
    )
    padding: int = params.whole("Padding", "pixels of context around the mask's crop", 32, 0, 1024, step=8)
    loras: tuple[tuple[str, float], ...] = shared.loras()
    styles: tuple[str, ...] = shared.styles()


def inpainting(request: Any, **changes: Any) -> InpaintRequest:
    """An Inpaint request with the fields another brick's ``request`` shares with it (prompts, model,
    sampling) and ``changes``: how bricks built on inpainting hand their work to it."""
    shared = {item.name for item in fields(InpaintRequest)} & {item.name for item in fields(request)}
    return InpaintRequest(**{name: getattr(request, name) for name in shared}, **changes)


def run(workspace: Workspace, job: Job, request: InpaintRequest) -> Result:
    from qpyt_gradio.generation.inpainting import inpaint  # torch and diffusers: first use only

    return inpaint(workspace, job, request)


BRICK = Brick(
    name="inpaint",
    label="Inpaint",
    summary="Redraw the masked part of an image after a prompt; the rest stays exactly as it was.",
    request=InpaintRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="inpaint",
    text_field="prompt",
)
