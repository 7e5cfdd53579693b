"""Opening images that users supply: checked, oriented, converted to RGB, bounded in size."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from qpyt_gradio.errors import InvalidInput


def open_rgb(path: str | Path | None, purpose: str, max_side: int) -> tuple[Image.Image, list[str]]:
    """The image at ``path`` as RGB, downscaled to ``max_side`` if larger, and notes saying what was done.

    ``purpose`` completes sentences such as "No image to {purpose}".
    """
    if not path:
        raise InvalidInput(f"No image to {purpose}: drop, paste or pick one first.")
    image, notes = open_checked(path, max_side)
    return to_rgb(image), notes


def open_checked(path: str | Path, max_side: int, what: str = "image") -> tuple[Image.Image, list[str]]:
    """Any image a user gives (a source, a mask...), opened safely: decompression bombs, oversized text
    chunks and damaged files refused with a message; oriented; in its own mode; downscaled to ``max_side``."""
    name, a_what = Path(path).name, f"{'an' if what[0] in 'aeiou' else 'a'} {what}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as source:
                original = source.size
                source.draft(source.mode, (max_side, max_side))
                image = ImageOps.exif_transpose(source)
                image.load()
    except Image.DecompressionBombError:
        raise InvalidInput(f"{name} is too large to open safely; use {a_what} under 150 megapixels.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise InvalidInput(f"{name} is not {a_what} this app can read (PNG, JPEG, WebP...).") from None
    notes = []
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        notes.append(f"The {what} was {original[0]}×{original[1]}; it was downscaled to {image.width}×{image.height}.")
    return image, notes


def alpha_of(path: str | Path) -> Image.Image | None:
    """The alpha channel of the image at ``path``, or None when it has none (read only if present)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            if image.mode not in ("RGBA", "LA"):
                return None
            return ImageOps.exif_transpose(image).getchannel("A")


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB from any mode: alpha over white, 16-bit and float scaled to 8 bits, CMYK and palettes converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max())
        full_scale = 255.0 if top <= 255 else 65535.0 if top <= 65535 else top
        image = Image.fromarray(np.clip(values / full_scale * 255.0, 0, 255).round().astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA"):
        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.getchannel("A"))
        return background
    return image.convert("RGB")
