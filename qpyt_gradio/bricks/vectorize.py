"""Vectorize: trace an image into an SVG with vtracer; a preset fills the controls left empty.

Large or noisy images are judged on an estimate of the SVG's size first: above 5 MB the user
gets the estimate and advice instead of the file, unless ``force``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

PRESET_NAMES = ("logo", "illustration", "photo")
EMPTY = "empty for the preset's value"


@dataclass(frozen=True)
class VectorizeRequest:
    image: str | None = shared.source_image("the image to trace")
    preset: str = params.choice("Preset", "starting values for the controls", "illustration", PRESET_NAMES)
    colormode: str | None = params.choice(
        "Colours", f"colour or black and white; {EMPTY}", None, ("color", "binary"), optional=True
    )
    filter_speckle: int | None = params.whole(
        "Speckle filter", f"drop patches smaller than this, in pixels; {EMPTY}", None, 0, 128, optional=True
    )
    color_precision: int | None = params.whole(
        "Colour precision", f"bits per colour channel; {EMPTY}", None, 1, 8, optional=True
    )
    layer_difference: int | None = params.whole(
        "Layer difference", f"colour step between layers; {EMPTY}", None, 0, 255, optional=True
    )
    corner_threshold: int | None = params.whole(
        "Corner threshold", f"smallest angle kept as a corner, in degrees; {EMPTY}", None, 0, 180, optional=True
    )
    mode: str | None = params.choice(
        "Curves", f"smooth splines or straight polygons; {EMPTY}", None, ("spline", "polygon"), optional=True
    )
    remove_background: bool = params.flag("Remove the background", "cut the subject out before tracing")
    colors: int = params.whole("Reduce colours", "reduce to this many colours first; 0 keeps them", 0, 0, 256)
    max_side: int = params.whole(
        "Downscale to", "downscale to this many pixels a side first; 0 keeps the size", 0, 0, 4096, step=64
    )
    force: bool = params.flag("Vectorize anyway", "make the SVG even when it would be larger than 5 MB")


def run(workspace: Workspace, job: Job, request: VectorizeRequest) -> Result:
    from qpyt_gradio.finishing.vectorize import vectorize

    return vectorize(workspace, job, request)


BRICK = Brick(
    name="vectorize",
    label="Vectorize",
    summary="Trace an image into an SVG (vtracer), with presets for logos, illustrations and photos.",
    request=VectorizeRequest,
    run=run,
    gives=Holds.SVG,
    tab="vectorize",
)
