"""Upscale: enlarge ×1.5 to ×4 with Lanczos, then redraw the details tile by tile at low strength."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class UpscaleRequest:
    image: str | None = shared.source_image("the image to enlarge")
    prompt: str = shared.prompt("what the details should look like; empty for “highly detailed, sharp focus”", "")
    negative_prompt: str = shared.negative_prompt()
    model: str = shared.model()
    scale: float = params.number("Scale", "how many times larger", 2.0, 1.5, 4.0, step=0.5)
    tile: int = params.whole("Tile", "tile side in pixels; 0 for the model's own size", 0, 0, 4096, step=8)
    overlap: int = params.whole("Overlap", "pixels shared by neighbouring tiles; 0 for an eighth of a tile", 0, 0, 4096)
    strength: float = shared.strength(0.3)
    steps: int | None = shared.steps()
    guidance: float | None = shared.guidance()
    seed: int = shared.seed("the seed of the first tile (tile n uses seed + n); -1 picks one")
    loras: tuple[tuple[str, float], ...] = shared.loras()
    styles: tuple[str, ...] = shared.styles()


def run(workspace: Workspace, job: Job, request: UpscaleRequest) -> Result:
    from qpyt_gradio.generation.upscaling import upscale  # torch and diffusers: first use only

    return upscale(workspace, job, request)


BRICK = Brick(
    name="upscale",
    label="Upscale",
    summary="Enlarge an image ×1.5 to ×4 and redraw its details tile by tile.",
    request=UpscaleRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="upscale",
    text_field="prompt",
)
