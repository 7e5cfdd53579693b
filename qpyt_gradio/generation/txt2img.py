"""Text-to-image: the Generate brick's call, made exactly as a bare diffusers call would be."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.generation.request import PreparedGeneration
from qpyt_gradio.generation.results import model_fields, save_images
from qpyt_gradio.generation.sampling import Sampling, prompt_arguments, sample

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


def call_arguments(prepared: PreparedGeneration) -> dict[str, Any]:
    """Keyword arguments of the diffusers call for ``prepared`` (no callbacks)."""
    request = prepared.request
    return {**prompt_arguments(prepared.spec, prepared.shared), "width": request.width, "height": request.height}


def generate(workspace: Workspace, job: Job, prepared: PreparedGeneration) -> Result:
    """Sample, then save every image with its parameters; returns paths and parameters used."""
    request = prepared.request
    arguments = call_arguments(prepared)
    sampling = Sampling(prepared.spec, "txt2img", arguments, request.width, request.height, loras=prepared.shared.loras)
    sampled = sample(workspace, job, sampling)
    parameters = {
        **asdict(request),
        **prepared.shared.record(),
        **model_fields(prepared.spec, sampled.sampler, "generate"),
    }
    if prepared.source_prompt:
        parameters["source_prompt"] = prepared.source_prompt
    return save_images(workspace, job, sampled.images, prepared.seeds, parameters, (*prepared.notes, *sampled.notes))
