"""Retouch: brightness, contrast, saturation, sharpness, warmth, blur, auto levels and denoise,
applied to a new image. Every adjustment at its neutral value is skipped, so the defaults give
the original pixels back exactly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


def _percent(label: str, help: str) -> object:
    return params.number(label, f"{help}, in percent; 0 leaves it", 0.0, -100.0, 100.0, step=1)


@dataclass(frozen=True)
class RetouchRequest:
    image: str | None = shared.source_image("the image to retouch")
    brightness: float = _percent("Brightness", "lighter or darker")
    contrast: float = _percent("Contrast", "more or less contrast")
    saturation: float = _percent("Saturation", "more or less colour")
    sharpness: float = _percent("Sharpness", "sharper or softer")
    warmth: float = _percent("Warmth", "warmer (red) or cooler (blue)")
    blur: float = params.number("Blur", "Gaussian blur radius in pixels; 0 leaves it", 0.0, 0.0, 20.0, step=0.5)
    auto_levels: bool = params.flag("Auto levels", "stretch the darkest and lightest tones to the full range")
    denoise: int = params.whole("Denoise", "median filter passes; 0 leaves it", 0, 0, 3)


def run(workspace: Workspace, job: Job, request: RetouchRequest) -> Result:
    from qpyt_gradio.finishing.retouch import retouch

    return retouch(workspace, job, request)


BRICK = Brick(
    name="retouch",
    label="Retouch",
    summary="Adjust brightness, contrast, colour, sharpness, warmth, blur, levels and noise into a new image.",
    request=RetouchRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="retouch",
)
