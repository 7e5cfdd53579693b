"""Generate: text to image on any engine. A French prompt is translated first when the user chose so."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import shared
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result

if TYPE_CHECKING:
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
    loras: tuple[tuple[str, float], ...] = shared.loras()
    styles: tuple[str, ...] = shared.styles()


def run(workspace: Workspace, job: Job, request: GenerateRequest) -> Result:
    from qpyt_gradio.generation.request import prepare  # torch and diffusers: first use only
    from qpyt_gradio.generation.txt2img import generate

    spec = workspace.model(request.model)
    translated = _translated(workspace, request) if job.choices.auto_translate else request
    prepared = prepare(workspace, translated, spec)
    if translated.prompt != request.prompt:
        note = f"Prompt translated from French: {translated.prompt}"
        prepared = replace(prepared, source_prompt=request.prompt, notes=(*prepared.notes, note))
        job = job.recording(prompt=translated.prompt)
    return generate(workspace, job, prepared)


def _translated(workspace: Workspace, request: GenerateRequest) -> GenerateRequest:
    """``request`` with its prompt in English when it was written in French."""
    from qpyt_gradio.helpers.translate import translate

    result = translate(workspace.registry, request.prompt)
    return replace(request, prompt=result.text) if result.translated else request


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
