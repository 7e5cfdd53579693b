"""Img2img: redraw an image after a prompt, at a chosen strength; the output keeps the source's size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class Img2imgRequest:
    image: str | None = shared.source_image("the image to redraw")
    prompt: str = shared.prompt()
    negative_prompt: str = shared.negative_prompt()
    model: str = shared.model()
    strength: float = shared.strength(0.6)
    steps: int | None = shared.steps()
    guidance: float | None = shared.guidance()
    seed: int = shared.seed()
    num_images: int = shared.num_images()
    loras: tuple[tuple[str, float], ...] = shared.loras()
    styles: tuple[str, ...] = shared.styles()


def run(workspace: Workspace, job: Job, request: Img2imgRequest) -> Result:
    from qpyt_gradio.generation.editing import img2img  # torch and diffusers: first use only

    return img2img(workspace, job, request)


BRICK = Brick(
    name="img2img",
    label="Img2img",
    summary="Redraw an image after a prompt; strength says how much changes.",
    request=Img2imgRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="img2img",
    text_field="prompt",
)
