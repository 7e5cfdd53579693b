"""Caption: Florence-2 describes an image, in three lengths or as a prompt for image models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params, shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result, text_result
from qpyt_gradio.helpers.kinds import CAPTION_TASKS

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class CaptionRequest:
    image: str | None = shared.source_image("the image to describe")
    task: str = params.choice(
        "Description",
        "a short, detailed or more detailed caption, or a prompt for image models",
        "prompt",
        tuple(CAPTION_TASKS),
    )


def run(workspace: Workspace, job: Job, request: CaptionRequest) -> Result:
    from qpyt_gradio.helpers.caption import caption  # torch, transformers: first use only
    from qpyt_gradio.prompts.weighting import as_prompt_text

    described = caption(workspace.registry, request.image, request.task)
    parameters = {"brick": "caption", "task": request.task, "notes": list(described.notes)}
    nothing = "The captioner wrote nothing for this image: try another Description, or a larger image."
    return text_result(parameters, as_prompt_text(described.text), nothing)


BRICK = Brick(
    name="caption",
    label="Image → prompt",
    summary="Describe an image with Florence-2: a caption, or a prompt for image models.",
    request=CaptionRequest,
    run=run,
    gives=Holds.TEXT,
    tab="prompt-tools",
)
