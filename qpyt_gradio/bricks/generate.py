"""Generate: text to image on any engine. A French prompt is translated first when the user chose so."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
    from qpyt_gradio.generation.request import PreparedGeneration
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class GenerateRequest:
    prompt: str = shared.prompt()
    negative_prompt: str = shared.negative_prompt()
    model: str = shared.model()
    width: int | None = shared.side("Width")
    height: int | None = shared.side("Height")
    steps: int | None = shared.steps()
    guidance: float | None = shared.guidance()
    seed: int = shared.seed()
    num_images: int = shared.num_images()


def run(workspace: Workspace, job: Job, request: GenerateRequest) -> Result:
    from qpyt_gradio.generation.request import prepare  # torch and diffusers: first use only
    from qpyt_gradio.generation.txt2img import generate

    prepared = prepare(request, workspace.model(request.model), workspace.max_side)
    if job.choices.auto_translate:
        prepared = _translated(workspace, prepared)
        job = job.recording(prompt=prepared.request.prompt)
    return generate(workspace, job, prepared)


def _translated(workspace: Workspace, prepared: PreparedGeneration) -> PreparedGeneration:
    """``prepared`` with its prompt in English when it was written in French."""
    from qpyt_gradio.helpers.translate import translate

    result = translate(workspace.registry, prepared.request.prompt)
    if not result.translated:
        return prepared
    return replace(
        prepared,
        request=replace(prepared.request, prompt=result.text),
        source_prompt=prepared.request.prompt,
        notes=(*prepared.notes, f"Prompt translated from French: {result.text}"),
    )


BRICK = Brick(
    name="generate",
    label="Generate",
    summary="Make images from a text prompt with SDXL, FLUX.1 or SD 3.5.",
    request=GenerateRequest,
    run=run,
    gives=Holds.IMAGES,
    tab="generate",
    text_field="prompt",
)
