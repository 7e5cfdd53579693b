"""Outpainting: extend the canvas on any side and let the model paint the new area.

The new area is first filled from the image itself — a blurred mirror of the edge, or the
edge pixels stretched — so the model starts from matching colours, not flat grey. The mask
covers the new area plus an overlap band inside the original, feathered, and the inpainting
path does the rest: outside that band the original stays exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.generation.editing import MAX_SOURCE_SIDE
from qpyt_gradio.validation import whole_number


@dataclass(frozen=True)
class Extension:
    """Pixels to add on each side, how to pre-fill them, and the overlap band inside the original."""

    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0
    fill: str = "reflect"
    overlap: int = 16


def extension_for_aspect(width: int, height: int, aspect: str) -> Extension:
    """The extension that gives ``width``×``height`` the ``aspect`` ("16:9"), split evenly on both sides."""
    try:
        across, down = (float(part) for part in aspect.split(":"))
        if across <= 0 or down <= 0:
            raise ValueError
    except ValueError:
        raise InvalidInput(f"Aspect ratio {aspect!r} is not of the form 16:9.") from None
    target = across / down
    if width / height < target:
        extra = round(height * target) - width
        return Extension(left=extra // 2, right=extra - extra // 2)
    extra = round(width / target) - height
    return Extension(top=extra // 2, bottom=extra - extra // 2)


def check_extension(extension: Extension, width: int, height: int) -> Extension:
    """What the sides' own ranges cannot say: something to add, a canvas within bounds, an overlap
    that fits in a ``width``×``height`` original."""
    if not any((extension.left, extension.top, extension.right, extension.bottom)):
        raise InvalidInput("Nothing to outpaint: give at least one side more than 0 pixels, or a target aspect ratio.")
    new_width = width + extension.left + extension.right
    new_height = height + extension.top + extension.bottom
    if max(new_width, new_height) > MAX_SOURCE_SIDE:
        raise InvalidInput(
            f"The canvas would be {new_width}×{new_height}; the largest side allowed is {MAX_SOURCE_SIDE}."
        )
    whole_number("Overlap", extension.overlap, 0, min(width, height) // 2)
    return extension


def extended_canvas(image: Image.Image, extension: Extension) -> Image.Image:
    """``image`` on a larger canvas, the new area filled from its edges."""
    pixels = np.asarray(image)
    pads = ((extension.top, extension.bottom), (extension.left, extension.right), (0, 0))
    if extension.fill == "stretch":
        return Image.fromarray(np.pad(pixels, pads, mode="edge"))
    canvas = Image.fromarray(np.pad(pixels, pads, mode="reflect"))
    blurred = canvas.filter(ImageFilter.GaussianBlur(max(4, min(image.size) // 16)))
    blurred.paste(image, (extension.left, extension.top))
    return blurred


def outpaint_mask(image_size: tuple[int, int], extension: Extension) -> Image.Image:
    """White over the new area and the overlap band inside the original, black elsewhere."""
    width, height = image_size
    mask = Image.new("L", (width + extension.left + extension.right, height + extension.top + extension.bottom), 255)
    band = extension.overlap
    keep = (
        extension.left + (band if extension.left else 0),
        extension.top + (band if extension.top else 0),
        extension.left + width - (band if extension.right else 0),
        extension.top + height - (band if extension.bottom else 0),
    )
    mask.paste(0, keep)
    return mask
