"""One diffusers call through the registry, shared by every image brick.

The brick builds the keyword arguments; this module takes the pipeline for the task from the
registry, adds the step callback (progress, live preview, Cancel between steps) and turns an
out-of-memory error into advice. Images are sampled with one CPU generator per image (seed,
seed+1, ...), so an image can be made again alone from its own seed on any device (to within
rounding: a batch computes in other matrix shapes).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.engines import Task
from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.generation.budget import check_budget, denoising_steps, megapixel_steps
from qpyt_gradio.generation.preview import LatentPreviewer
from qpyt_gradio.generation.request import Prompting
from qpyt_gradio.loras.selection import AdapterUse
from qpyt_gradio.metadata import sampler_name
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.memory import free_memory
from qpyt_gradio.models.planner import JobShape
from qpyt_gradio.models.registry import ImageJob
from qpyt_gradio.prompts.windows import sd3_windows

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class Sampling:
    """What to run: the model, the task, the call's keyword arguments and the working size."""

    spec: ModelSpec
    task: Task
    arguments: dict[str, Any]
    width: int
    height: int
    vae_tiling: bool = False
    loras: tuple[AdapterUse, ...] = ()


def prompt_arguments(spec: ModelSpec, shared: Prompting, seeds: Sequence[int] | None = None) -> dict[str, Any]:
    """The keyword arguments every task shares: the prompts as the model sees them, steps, guidance,
    one generator per image (per seed of ``seeds``, default the shared ones)."""
    seeds = shared.seeds if seeds is None else seeds
    arguments: dict[str, Any] = {
        "prompt": shared.model_prompt,
        "num_inference_steps": shared.steps,
        "guidance_scale": shared.guidance,
        "num_images_per_prompt": len(seeds),
        "generator": [torch.Generator("cpu").manual_seed(seed) for seed in seeds],
        **spec.engine_variant.call_kwargs,
    }
    if shared.model_negative:
        arguments["negative_prompt"] = shared.model_negative
    return arguments


@dataclass(frozen=True)
class Sampled:
    """What a call gave: the images, the sampler's name, and notes on how the prompt was read."""

    images: list[Image.Image]
    sampler: str
    notes: tuple[str, ...] = ()


def sample(workspace: Workspace, job: Job, sampling: Sampling, progress: bool = True) -> Sampled:
    """Run the call for ``job``, within the app's budget. Out of memory becomes advice.

    ``progress`` off keeps the steps of this call out of the job's progress (a brick that runs
    many calls, like the tiled upscaler, reports its own).
    """
    _check_cost(workspace, sampling)
    try:
        return _call(workspace, job, sampling, progress)
    except torch.OutOfMemoryError:
        pass  # answered below, outside the handler, so the failed step's tensors can be freed
    free_memory()
    count = sampling.arguments.get("num_images_per_prompt", 1)
    raise InvalidInput(
        f"Out of GPU memory at {sampling.width}×{sampling.height} with {count} image(s). Try a smaller "
        "size or fewer images, or a lower-memory strategy in Settings (model_offload, group_offload)."
    )


def _check_cost(workspace: Workspace, sampling: Sampling) -> None:
    arguments = sampling.arguments
    steps = denoising_steps(arguments["num_inference_steps"], arguments.get("strength"))
    count = arguments.get("num_images_per_prompt", 1)
    cost = megapixel_steps(sampling.width, sampling.height, steps, count)
    what = f"{sampling.width}×{sampling.height} × {steps} steps × {count} image(s)"
    check_budget(workspace, cost, what, "the size, the steps or the number of images")


def _call(workspace: Workspace, job: Job, sampling: Sampling, progress: bool) -> Sampled:
    registry = workspace.registry
    spec = sampling.spec
    count = sampling.arguments.get("num_images_per_prompt", 1)
    size = JobShape(sampling.width, sampling.height, count)
    with registry.image_job(spec, sampling.task, sampling.vae_tiling, sampling.loras, size) as loaded:
        callback = _step_callback(loaded, job, sampling, progress)
        with torch.inference_mode():
            pipeline = loaded.pipeline
            arguments, notes = accepted(pipeline, sampling.arguments), ()
            if spec.family == "sd3":
                arguments, notes = sd3_windows(pipeline, arguments)
            arguments = with_prompt_embeddings(pipeline, spec.family, arguments)
            images = pipeline(**arguments, callback_on_step_end=callback).images
        return Sampled(images, sampler_name(type(pipeline.scheduler).__name__), notes)


def accepted(pipeline: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` without width and height for pipelines that take the size from their image."""
    parameters = inspect.signature(type(pipeline).__call__).parameters
    return {key: value for key, value in arguments.items() if key not in ("width", "height") or key in parameters}


def with_prompt_embeddings(pipeline: Any, family: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` with the prompts replaced by their embeddings when they use weights, ``BREAK``, or
    are longer than the CLIP window; plain prompts go to diffusers as they are (its own pixels)."""
    from qpyt_gradio.prompts.encoding import needs_embeddings, prompt_embeddings

    prompt, negative = arguments.get("prompt"), arguments.get("negative_prompt", "")
    if prompt is None or not needs_embeddings(pipeline, family, prompt, negative):
        return arguments
    rest = {key: value for key, value in arguments.items() if key not in ("prompt", "negative_prompt")}
    length = arguments.get("max_sequence_length")
    return {**rest, **prompt_embeddings(pipeline, family, prompt, negative or None, max_sequence_length=length)}


def _step_callback(loaded: ImageJob, job: Job, sampling: Sampling, progress: bool) -> Callable[..., dict[str, Any]]:
    report = progress and job.reporter is not None
    previewer: LatentPreviewer | None = None
    if report and job.choices.live_preview:
        pipeline = loaded.pipeline
        previewer = loaded.attachment(
            "latent_preview",
            lambda: LatentPreviewer.fit(pipeline.vae, pipeline._execution_device, loaded.spec.engine.latent_layout),
        )
    steps = sampling.arguments.get("num_inference_steps", 1)

    def on_step_end(pipeline: Any, index: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if job.cancel.is_set():
            raise GenerationCancelled(f"Cancelled after step {index + 1}.")
        if report:
            latents = tensors["latents"]
            preview = (lambda: previewer(latents, sampling.height, sampling.width)) if previewer else None
            job.step_progress(index + 1, getattr(pipeline, "num_timesteps", steps), preview)
        return tensors

    return on_step_end
