"""Small copies of outputs for the history's grid, made on first view and kept in the outputs folder's
``.history/thumbnails/``, named after the output's path, time and size so a changed file gets a new one."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from qpyt_gradio.history.records import CACHE_FOLDER

if TYPE_CHECKING:
    from qpyt_gradio.history.records import OutputRecord

THUMBNAIL_SIDE = 256
SVG_SHOWN_AS_IS = 1_000_000
"""An SVG up to this many bytes is its own thumbnail (the browser draws it); a larger one gets a card."""


def thumbnail(outputs_dir: Path, record: OutputRecord) -> Path:
    """The thumbnail of ``record``, made now if it is missing."""
    if record.is_svg and record.size <= SVG_SHOWN_AS_IS:
        return outputs_dir / record.path
    target = _thumbnail_path(outputs_dir, record)
    if not target.exists():
        _write_atomically(_small_copy(outputs_dir / record.path, record), target)
    return target


def forget_thumbnail(outputs_dir: Path, record: OutputRecord) -> None:
    """Delete the thumbnail of ``record`` if it was made."""
    _thumbnail_path(outputs_dir, record).unlink(missing_ok=True)


def _thumbnail_path(outputs_dir: Path, record: OutputRecord) -> Path:
    key = hashlib.sha256(f"{record.path}:{record.made_ns}:{record.size}".encode()).hexdigest()[:24]
    return outputs_dir / CACHE_FOLDER / "thumbnails" / f"{key}.webp"


def _small_copy(path: Path, record: OutputRecord) -> Image.Image:
    if record.is_svg:
        return _card("SVG")
    try:
        with Image.open(path) as image:
            image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            return image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return _card("damaged")


def _card(text: str) -> Image.Image:
    """A plain grey card with ``text``, for what has no picture of its own."""
    card = Image.new("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE), (72, 76, 84))
    font = ImageFont.load_default(size=THUMBNAIL_SIDE // 8)
    ImageDraw.Draw(card).text((THUMBNAIL_SIDE // 2, THUMBNAIL_SIDE // 2), text, (235, 235, 235), font, anchor="mm")
    return card


def _write_atomically(image: Image.Image, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=".webp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            image.save(stream, format="WEBP", quality=80)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
