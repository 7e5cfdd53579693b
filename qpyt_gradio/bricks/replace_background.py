"""Replace background: cut the subject out, then paint a new background around it from a prompt
(the Inpaint brick's path with the background as the mask)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result
from qpyt_gradio.bricks.inpaint import inpainting
from qpyt_gradio.bricks.remove_background import background_model

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

REPLACE_BLUR = 4


@dataclass(frozen=True)
class ReplaceBackgroundRequest:
    image: str | None = shared.source_image("the image whose background is replaced")
    prompt: str = shared.prompt("the new background")
    negative_prompt: str = shared.negative_prompt()
    model: str = shared.model()
    background_model: str = background_model()
    steps: int | None = shared.steps()
    guidance: float | None = shared.guidance()
    seed: int = shared.seed()
    loras: tuple[tuple[str, float], ...] = shared.loras()
    styles: tuple[str, ...] = shared.styles()


def run(workspace: Workspace, job: Job, request: ReplaceBackgroundRequest) -> Result:
    from PIL import Image

    from qpyt_gradio.finishing.background import cut_out  # rembg, torch: first use only
    from qpyt_gradio.generation.editing import open_source
    from qpyt_gradio.generation.inpainting import inpaint_source

    source = open_source(request.image, "replace the background of")
    cutout = cut_out(workspace.registry, job, request.image, request.background_model, False)
    background = Image.eval(cutout.alpha, lambda value: 255 - value)
    extra = {"background_model": request.background_model}
    as_inpainting = inpainting(request, mask_blur=REPLACE_BLUR)
    return inpaint_source(workspace, job, as_inpainting, source, background, brick="replace_background", extra=extra)


BRICK = Brick(
    name="replace_background",
    label="Replace background",
    summary="Keep an image's subject and paint a new background around it from a prompt.",
    request=ReplaceBackgroundRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="background",
    text_field="prompt",
)
