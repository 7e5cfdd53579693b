"""Saving a brick's images with the parameters and the workflow that made them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PIL import Image

from qpyt_gradio.bricks.contract import Holds, Job, Result
from qpyt_gradio.metadata import APP_VERSION, png_info
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.outputs import save_png, slug

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


def image_hash(image: Image.Image) -> str:
    """SHA-256 of an image's pixels and size: how outputs refer to their source without embedding it."""
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def model_fields(spec: ModelSpec, sampler: str, brick: str) -> dict[str, Any]:
    """The parameters every output records about the model and the app."""
    return {
        "model": spec.name,
        "engine": spec.family,
        "variant": spec.variant,
        "sampler": sampler,
        "brick": brick,
        "app": APP_VERSION,
    }


def save_images(
    workspace: Workspace,
    job: Job,
    images: Sequence[Image.Image],
    seeds: Sequence[int],
    parameters: dict[str, Any],
    notes: Sequence[str] = (),
) -> Result:
    """Save one PNG per image (its own seed in its metadata, with the job's workflow); returns the
    paths and the parameters used, with the notes for the user."""
    folder = workspace.output_folder()
    paths = []
    for seed, image in zip(seeds, images, strict=True):
        own = {**parameters, "seed": seed, "num_images": 1, **job.provenance()}
        paths.append(save_png(image, folder, f"{seed}-{slug(parameters['prompt'])}", png_info(own)))
    used = {
        **parameters,
        "seed": seeds[0],
        "seeds": list(seeds),
        "notes": list(notes),
        "files": [path.name for path in paths],
    }
    return Result(Holds.IMAGES, used, tuple(paths))


def save_image(
    workspace: Workspace,
    job: Job,
    image: Image.Image,
    parameters: dict[str, Any],
    stem: str,
    notes: Sequence[str] = (),
) -> Result:
    """Save one image made without sampling (a cut-out, a retouch) with its parameters."""
    info = png_info({**parameters, **job.provenance()})
    path = save_png(image, workspace.output_folder(), slug(stem), info)
    return Result(Holds.IMAGES, {**parameters, "notes": list(notes), "files": [path.name]}, (path,))
