"""Retouching: non-destructive adjustments, previewed live on a small copy, applied to a new image.

Every adjustment at its neutral value is skipped, so resetting gives back the original pixels
exactly. Slider values are percentages (−100…100) except blur (pixels) and denoise (passes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from qpyt_gradio.generation.results import GenerationResult, image_hash, save_image
from qpyt_gradio.images import open_rgb
from qpyt_gradio.metadata import APP_VERSION
from qpyt_gradio.validation import decimal_number, whole_number

PREVIEW_SIDE = 768
MAX_SIDE = 8192


@dataclass(frozen=True)
class Adjustments:
    brightness: float = 0.0
    contrast: float = 0.0
    saturation: float = 0.0
    sharpness: float = 0.0
    warmth: float = 0.0
    blur: float = 0.0
    auto_levels: bool = False
    denoise: int = 0


NEUTRAL = Adjustments()


def check_adjustments(adjustments: Adjustments) -> Adjustments:
    """The adjustments, each checked against its range (a message names the one out of range)."""
    percent = {
        name: decimal_number(name.title(), getattr(adjustments, name), -100.0, 100.0)
        for name in ("brightness", "contrast", "saturation", "sharpness", "warmth")
    }
    return Adjustments(
        **percent,
        blur=decimal_number("Blur", adjustments.blur, 0.0, 20.0),
        auto_levels=bool(adjustments.auto_levels),
        denoise=whole_number("Denoise", adjustments.denoise, 0, 3),
    )


def adjust(image: Image.Image, adjustments: Adjustments) -> Image.Image:
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


def preview(image_path: str | Path | None, adjustments: Adjustments) -> Image.Image:
    """The adjustments on a copy at most ``PREVIEW_SIDE`` pixels wide: fast enough to follow a slider."""
    image, _ = open_rgb(image_path, "retouch", PREVIEW_SIDE)
    return adjust(image, check_adjustments(adjustments))


def retouch(image_path: str | Path | None, adjustments: Adjustments, outputs_dir: Path) -> GenerationResult:
    """The adjustments at full resolution, saved as a new image; the original stays untouched."""
    adjustments = check_adjustments(adjustments)
    image, notes = open_rgb(image_path, "retouch", MAX_SIDE)
    parameters = {
        "brick": "retouch",
        **asdict(adjustments),
        "source_sha256": image_hash(image),
        "width": image.width,
        "height": image.height,
        "app": APP_VERSION,
    }
    return save_image(adjust(image, adjustments), parameters, outputs_dir, "retouch", notes)
