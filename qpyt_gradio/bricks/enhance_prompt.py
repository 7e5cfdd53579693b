"""Enhance prompt: Qwen2.5 Instruct turns a short idea into a richer prompt, tags for SDXL and
sentences for FLUX.1 and SD 3.5, streamed as it is written. The same text and seed give the same
prompt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result, text_result
from qpyt_gradio.engines import ENGINES
from qpyt_gradio.errors import InvalidInput, ModelUnavailable
from qpyt_gradio.helpers.kinds import MAX_CREATIVITY, enhancer_choices, enhancer_kind

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class EnhancePromptRequest:
    text: str = params.text(
        "Idea",
        "a short idea of the image",
        feed="text",
        required="Nothing to enhance: write a short idea first.",
        lines=3,
    )
    engine: str = params.text("For", "the engine the prompt is for: sdxl, flux, sd3, or a model's name", "sdxl")
    creativity: float = params.number(
        "Creativity", "sampling temperature; below 0.01 always writes the same", 0.7, 0.0, MAX_CREATIVITY, step=0.05
    )
    seed: int = params.seed("the sampling seed; -1 picks one", default=0)


def engine_family(workspace: Workspace, engine: str) -> str:
    """The engine family named by ``engine``: a family key, or the model of that name."""
    if engine in ENGINES:
        return engine
    try:
        return workspace.model(engine).family
    except ModelUnavailable as problem:
        reason = str(problem)
    raise InvalidInput(f"{engine!r} is neither an engine ({', '.join(ENGINES)}) nor a usable model: {reason}")


def run(workspace: Workspace, job: Job, request: EnhancePromptRequest) -> Result:
    from qpyt_gradio.helpers.enhance import enhance  # torch, transformers: first use only
    from qpyt_gradio.prompts.weighting import as_prompt_text

    family = engine_family(workspace, request.engine)
    chosen = job.choices.enhance_model
    if chosen and chosen not in enhancer_choices(workspace.settings):
        raise InvalidInput(f"Enhancer model {chosen!r} is not offered: use one of the Settings' list.")
    kind = enhancer_kind(chosen, workspace.settings)
    text = enhance(
        workspace.registry, request.text, family, request.creativity, request.seed, job.partial_text, job.cancel, kind
    )
    parameters = {"brick": "enhance_prompt", "engine": family, "enhancer": kind, "notes": []}
    nothing = "The enhancer wrote nothing usable for this idea: try another Seed, more Creativity, or more words."
    return text_result(parameters, as_prompt_text(text), nothing)


BRICK = Brick(
    name="enhance_prompt",
    label="Enhance prompt",
    summary="Turn a short idea into a richer prompt for the chosen engine (Qwen2.5).",
    request=EnhancePromptRequest,
    run=run,
    gives=Holds.TEXT,
    tab="prompt-tools",
    text_field="text",
)
