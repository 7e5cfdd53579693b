"""Text-to-image: the Generate brick's call, made exactly as a bare diffusers call would be."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from qpyt_gradio.generation.request import PreparedGeneration
from qpyt_gradio.generation.results import GenerationResult, model_fields, save_results
from qpyt_gradio.generation.sampling import Sampling, StepReporter, prompt_arguments, sample
from qpyt_gradio.models.registry import Registry


def call_arguments(prepared: PreparedGeneration) -> dict[str, Any]:
    """Keyword arguments of the diffusers call for ``prepared`` (no callbacks)."""
    params = prepared.params
    shared = prompt_arguments(
        prepared.spec, params.prompt, params.negative_prompt, params.steps, params.guidance, prepared.seeds
    )
    return {**shared, "width": params.width, "height": params.height}


def generate(
    registry: Registry,
    prepared: PreparedGeneration,
    outputs_dir: Path,
    reporter: StepReporter | None = None,
    cancel: threading.Event | None = None,
    live_preview: bool = True,
) -> GenerationResult:
    """Sample, then save every image with its parameters; returns paths and parameters used."""
    params = prepared.params
    sampling = Sampling(prepared.spec, "txt2img", call_arguments(prepared), params.width, params.height)
    images, sampler = sample(registry, sampling, reporter, cancel, live_preview)
    parameters = {**params.to_json(), **model_fields(prepared.spec, sampler, "generate")}
    if prepared.source_prompt:
        parameters["source_prompt"] = prepared.source_prompt
    return save_results(images, prepared.seeds, parameters, outputs_dir, prepared.notes)
