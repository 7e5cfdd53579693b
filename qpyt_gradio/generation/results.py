"""Saving a brick's images with the parameters that made them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from qpyt_gradio.metadata import APP_VERSION, png_info
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.outputs import save_png, slug


@dataclass(frozen=True)
class GenerationResult:
    """Saved images (in seed order) and the parameters actually used."""

    paths: tuple[Path, ...]
    parameters: dict[str, Any]


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


def save_results(
    images: Sequence[Image.Image],
    seeds: Sequence[int],
    parameters: dict[str, Any],
    outputs_dir: Path,
    notes: Sequence[str] = (),
) -> GenerationResult:
    """Save one PNG per image (its own seed in its metadata); returns the paths and the parameters
    used, with the notes for the user."""
    paths = []
    for seed, image in zip(seeds, images, strict=True):
        own = {**parameters, "seed": seed, "num_images": 1}
        paths.append(save_png(image, outputs_dir, f"{seed}-{slug(parameters['prompt'])}", png_info(own)))
    used = {
        **parameters,
        "seed": seeds[0],
        "seeds": list(seeds),
        "notes": list(notes),
        "files": [path.name for path in paths],
    }
    return GenerationResult(tuple(paths), used)


def save_image(
    image: Image.Image, parameters: dict[str, Any], outputs_dir: Path, stem: str, notes: Sequence[str] = ()
) -> GenerationResult:
    """Save one image made without sampling (a cut-out, a retouch) with its parameters."""
    path = save_png(image, outputs_dir, slug(stem), png_info(parameters))
    return GenerationResult((path,), {**parameters, "notes": list(notes), "files": [path.name]})
