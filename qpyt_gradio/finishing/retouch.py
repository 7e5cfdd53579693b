"""Retouching: non-destructive adjustments, previewed live on a small copy, applied to a new image.

Every adjustment at its neutral value is skipped, so resetting gives back the original pixels
exactly. Slider values are percentages (−100…100) except blur (pixels) and denoise (passes).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.generation.results import image_hash, save_image
from qpyt_gradio.images import open_rgb
from qpyt_gradio.metadata import APP_VERSION

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

PREVIEW_SIDE = 768
MAX_SIDE = 8192


def adjust(image: Image.Image, adjustments: Any) -> Image.Image:
    """``image`` with ``adjustments`` applied in a fixed order; neutral ones are skipped."""
    if adjustments.denoise:
        image = image.filter(ImageFilter.MedianFilter(2 * adjustments.denoise + 1))
    if adjustments.auto_levels:
        image = ImageOps.autocontrast(image, cutoff=1)
    enhancers = (
        (adjustments.brightness, ImageEnhance.Brightness),
        (adjustments.contrast, ImageEnhance.Contrast),
        (adjustments.saturation, ImageEnhance.Color),
    )
    for amount, enhancer in enhancers:
        if amount:
            image = enhancer(image).enhance(1 + amount / 100)
    if adjustments.warmth:
        image = _warmer(image, adjustments.warmth)
    if adjustments.blur:
        image = image.filter(ImageFilter.GaussianBlur(adjustments.blur))
    if adjustments.sharpness:
        image = ImageEnhance.Sharpness(image).enhance(max(0.0, 1 + adjustments.sharpness / 50))
    return image


def _warmer(image: Image.Image, warmth: float) -> Image.Image:
    """Red up and blue down (or the reverse) by up to a quarter."""
    pixels = np.asarray(image, dtype=np.float32).copy()
    pixels[..., 0] *= 1 + warmth / 400
    pixels[..., 2] *= 1 - warmth / 400
    return Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8))


def preview(adjustments: Any) -> Image.Image:
    """The adjustments (a checked Retouch request) on a copy at most ``PREVIEW_SIDE`` pixels wide: fast
    enough to follow a slider."""
    image, _ = open_rgb(adjustments.image, "retouch", PREVIEW_SIDE)
    return adjust(image, adjustments)


def retouch(workspace: Workspace, job: Job, request: Any) -> Result:
    """The adjustments at full resolution, saved as a new image; the original stays untouched."""
    image, notes = open_rgb(request.image, "retouch", MAX_SIDE)
    adjustments = {name: value for name, value in asdict(request).items() if name != "image"}
    parameters = {
        "brick": "retouch",
        **adjustments,
        "source_sha256": image_hash(image),
        "width": image.width,
        "height": image.height,
        "app": APP_VERSION,
    }
    return save_image(workspace, job, adjust(image, request), parameters, "retouch", notes)
