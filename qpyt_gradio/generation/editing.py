"""Image-to-image, and what the other editing bricks share with it.

A source image is opened and converted to RGB, then resized to a working size the engine can
take — each side a multiple of its size step, the aspect ratio kept — and the result is
resized back to the source's exact size. Outputs refer to their source by its hash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.engines import MIN_SIDE
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.generation.request import Prompting, prompting
from qpyt_gradio.generation.results import image_hash, model_fields, save_images
from qpyt_gradio.generation.sampling import Sampling, prompt_arguments, sample
from qpyt_gradio.images import open_rgb
from qpyt_gradio.models.catalog import ModelSpec

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

MIN_SOURCE_SIDE = 16
MAX_SOURCE_SIDE = 8192


@dataclass(frozen=True)
class Source:
    """A source image as given (RGB), its hash, and notes for the user."""

    image: Image.Image
    sha256: str
    notes: tuple[str, ...]


def working_size(width: int, height: int, multiple: int, max_side: int) -> tuple[int, int]:
    """The nearest size the engine takes for a ``width``×``height`` image, aspect ratio kept."""
    scale = min(1.0, max_side / max(width, height))
    scale = max(scale, MIN_SIDE / min(width, height))
    if max(width, height) * scale > max_side + multiple:
        raise InvalidInput(
            f"The image is {width}×{height}: too elongated for this engine (at most {max_side // MIN_SIDE}:1)."
        )

    def snap(side: int) -> int:
        nearest = int(side * scale / multiple + 0.5) * multiple
        return max(MIN_SIDE, min(max_side - max_side % multiple, nearest))

    return snap(width), snap(height)


def open_source(path: str | Path | None, purpose: str) -> Source:
    """Open the source of an edit; ``purpose`` completes "No image to ..."."""
    image, notes = open_rgb(path, purpose, MAX_SOURCE_SIDE)
    if min(image.size) < MIN_SOURCE_SIDE:
        raise InvalidInput(
            f"The image is {image.width}×{image.height}: "
            f"use one of at least {MIN_SOURCE_SIDE}×{MIN_SOURCE_SIDE} pixels."
        )
    return Source(image, image_hash(image), tuple(notes))


def fit_to_engine(image: Image.Image, spec: ModelSpec, max_side: int) -> tuple[Image.Image, tuple[str, ...]]:
    """``image`` resized to the engine's working size, and a note when that changed its size."""
    size = working_size(image.width, image.height, spec.engine.size_multiple, max_side)
    if size == image.size:
        return image, ()
    note = (
        f"Worked at {size[0]}×{size[1]} ({spec.engine.label} needs multiples of {spec.engine.size_multiple}); "
        f"the result is resized back to {image.width}×{image.height}."
    )
    return image.resize(size, Image.Resampling.LANCZOS), (note,)


def check_edit(workspace: Workspace, request: Any, count: int | None = None) -> tuple[ModelSpec, Prompting]:
    """The model and the shared values of an edit; steps are raised so that the strength runs one at least."""
    spec = workspace.model(request.model)
    shared = prompting(workspace, spec, request, count)
    needed = math.ceil(1 / request.strength - 1e-9)
    if shared.steps * request.strength < 1:
        note = (
            f"Steps raised from {shared.steps} to {needed}: strength {request.strength:g} must run at least one step."
        )
        shared = replace(shared, steps=needed, notes=(*shared.notes, note))
    return spec, shared


def edit_parameters(
    request: Any, spec: ModelSpec, shared: Prompting, source: Source, sampler: str, brick: str
) -> dict[str, Any]:
    """What an edited image records in its PNG (the source by hash, not embedded)."""
    return {
        "prompt": shared.prompt,
        "negative_prompt": shared.negative_prompt,
        "strength": request.strength,
        "steps": shared.steps,
        "guidance": shared.guidance,
        "num_images": len(shared.seeds),
        "width": source.image.width,
        "height": source.image.height,
        "source_sha256": source.sha256,
        "loras": [list(pair) for pair in request.loras],
        "styles": list(request.styles),
        **shared.record(),
        **model_fields(spec, sampler, brick),
    }


def img2img(workspace: Workspace, job: Job, request: Any) -> Result:
    """Redraw the source after the prompt; the output has the source's exact size."""
    spec, shared = check_edit(workspace, request)
    source = open_source(request.image, "redraw")
    working, fit_notes = fit_to_engine(source.image, spec, workspace.max_side)
    width, height = working.size
    arguments = {
        **prompt_arguments(spec, shared),
        "image": [working] * len(shared.seeds),
        "strength": request.strength,
        "width": width,
        "height": height,
    }
    sampled = sample(workspace, job, Sampling(spec, "img2img", arguments, width, height, loras=shared.loras))
    restored = [restore_size(image, source.image.size) for image in sampled.images]
    parameters = edit_parameters(request, spec, shared, source, sampled.sampler, "img2img")
    notes = (*shared.notes, *source.notes, *fit_notes, *sampled.notes)
    return save_images(workspace, job, restored, shared.seeds, parameters, notes)


def restore_size(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` at exactly ``size`` (Lanczos), unchanged when it already is."""
    return image if image.size == size else image.resize(size, Image.Resampling.LANCZOS)
