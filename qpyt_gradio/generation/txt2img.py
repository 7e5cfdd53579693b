"""Text-to-image through the registry: the Generate brick's engine room.

Images are sampled with one CPU generator per image (seed, seed+1, ...), so an image can be
reproduced alone from its own seed on any device (to within rounding: a batch computes in
other matrix shapes), and the call is exactly what a bare diffusers call with the same
parameters does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from PIL import Image

from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.generation.preview import LatentPreviewer
from qpyt_gradio.generation.request import PreparedGeneration
from qpyt_gradio.metadata import APP_VERSION, png_info, sampler_name
from qpyt_gradio.models.memory import free_memory
from qpyt_gradio.models.registry import ImageJob, Registry
from qpyt_gradio.outputs import save_png, slug

PreviewThunk = Callable[[], Image.Image]


class StepReporter(Protocol):
    """Receives sampling progress; ``preview`` is computed only if called."""

    def step(self, done: int, total: int, preview: PreviewThunk | None) -> None: ...


@dataclass(frozen=True)
class GenerationResult:
    """Saved images (in seed order) and the parameters actually used."""

    paths: tuple[Path, ...]
    parameters: dict[str, Any]


def call_arguments(prepared: PreparedGeneration) -> dict[str, Any]:
    """Keyword arguments of the diffusers call for ``prepared`` (no callbacks)."""
    params = prepared.params
    arguments: dict[str, Any] = {
        "prompt": params.prompt,
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        "guidance_scale": params.guidance,
        "num_images_per_prompt": params.num_images,
        "generator": [torch.Generator("cpu").manual_seed(seed) for seed in prepared.seeds],
        **prepared.spec.engine_variant.call_kwargs,
    }
    if params.negative_prompt:
        arguments["negative_prompt"] = params.negative_prompt
    return arguments


def _step_callback(
    job: ImageJob,
    prepared: PreparedGeneration,
    reporter: StepReporter | None,
    cancel: threading.Event | None,
    live_preview: bool,
) -> Callable[..., dict[str, Any]]:
    previewer: LatentPreviewer | None = None
    if reporter is not None and live_preview:
        pipeline = job.pipeline
        previewer = job.attachment(
            "latent_preview",
            lambda: LatentPreviewer.fit(pipeline.vae, pipeline._execution_device, job.spec.engine.latent_layout),
        )
    params = prepared.params

    def on_step_end(pipeline: Any, index: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled(f"Cancelled after step {index + 1}.")
        if reporter is not None:
            latents = tensors["latents"]
            preview = (lambda: previewer(latents, params.height, params.width)) if previewer else None
            reporter.step(index + 1, getattr(pipeline, "num_timesteps", params.steps), preview)
        return tensors

    return on_step_end


def _source_prompt(prepared: PreparedGeneration) -> dict[str, str]:
    return {"source_prompt": prepared.source_prompt} if prepared.source_prompt else {}


def image_parameters(prepared: PreparedGeneration, seed: int, sampler: str) -> dict[str, Any]:
    """Everything needed to make this image again; stored in its PNG."""
    spec = prepared.spec
    return {
        **prepared.params.to_json(),
        **_source_prompt(prepared),
        "seed": seed,
        "num_images": 1,
        "engine": spec.family,
        "variant": spec.variant,
        "sampler": sampler,
        "brick": "generate",
        "app": APP_VERSION,
    }


def _sample(
    registry: Registry,
    prepared: PreparedGeneration,
    reporter: StepReporter | None,
    cancel: threading.Event | None,
    live_preview: bool,
) -> tuple[list[Image.Image], str]:
    """Run the diffusers call under the registry; returns the images and the sampler's name."""
    with registry.image_job(prepared.spec.name, "txt2img") as job:
        callback = _step_callback(job, prepared, reporter, cancel, live_preview)
        with torch.inference_mode():
            images = job.pipeline(**call_arguments(prepared), callback_on_step_end=callback).images
        return images, sampler_name(type(job.pipeline.scheduler).__name__)


def generate(
    registry: Registry,
    prepared: PreparedGeneration,
    outputs_dir: Path,
    reporter: StepReporter | None = None,
    cancel: threading.Event | None = None,
    live_preview: bool = True,
) -> GenerationResult:
    """Sample, then save every image with its parameters; returns paths and parameters used."""
    try:
        images, sampler = _sample(registry, prepared, reporter, cancel, live_preview)
    except torch.OutOfMemoryError:
        images, sampler = None, ""
    if images is None:  # raised outside the handler, so the failed step's tensors can be freed
        free_memory()
        params = prepared.params
        raise InvalidInput(
            f"Out of GPU memory at {params.width}×{params.height} with {params.num_images} image(s). Try a smaller "
            "size or fewer images, or a lower-memory strategy in Settings (model_offload, group_offload)."
        )
    paths = []
    for seed, image in zip(prepared.seeds, images, strict=True):
        parameters = image_parameters(prepared, seed, sampler)
        stem = f"{seed}-{slug(prepared.params.prompt)}"
        paths.append(save_png(image, outputs_dir, stem, png_info(parameters)))
    used = {
        **prepared.params.to_json(),
        **_source_prompt(prepared),
        "seeds": list(prepared.seeds),
        "engine": prepared.spec.family,
        "variant": prepared.spec.variant,
        "sampler": sampler,
        "notes": list(prepared.notes),
        "files": [path.name for path in paths],
    }
    return GenerationResult(tuple(paths), used)
