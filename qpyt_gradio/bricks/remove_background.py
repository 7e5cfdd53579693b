"""Remove background: rembg cuts the subject out into a transparent PNG, a mask, or onto a colour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result
from qpyt_gradio.helpers.kinds import BACKGROUND_MODELS

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

OUTPUTS = ("transparent", "mask", "color")


def background_model() -> object:
    return params.choice(
        "Background model", "the rembg model that finds the subject", BACKGROUND_MODELS[0], BACKGROUND_MODELS
    )


@dataclass(frozen=True)
class RemoveBackgroundRequest:
    image: str | None = shared.source_image("the image to cut the subject out of")
    background_model: str = background_model()
    output: str = params.choice(
        "Output", "a transparent PNG, the mask alone, or the subject on a colour", "transparent", OUTPUTS
    )
    color: str = params.text("Colour", "the background colour for the color output, #rrggbb", "#ffffff")
    alpha_matting: bool = params.flag("Alpha matting", "finer hair and edges, slower")


def run(workspace: Workspace, job: Job, request: RemoveBackgroundRequest) -> Result:
    from qpyt_gradio.finishing.background import remove_background  # rembg, onnxruntime: first use only

    return remove_background(workspace, job, request)


BRICK = Brick(
    name="remove_background",
    label="Remove background",
    summary="Cut the subject out of an image: transparent PNG, mask, or the subject on a colour.",
    request=RemoveBackgroundRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="background",
)
