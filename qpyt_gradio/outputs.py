"""Saving outputs: readable unique names, atomic writes.

A file is written to a temporary file in its final folder and then linked into place under
a name that does not exist yet, so a crash never leaves a half-written output and two jobs
never overwrite each other's files.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from PIL.PngImagePlugin import PngInfo

SLUG_LENGTH = 40
PNG_COMPRESS_LEVEL = 4  # zlib level: about 2.5× faster than Pillow's 6 on a 1024² photo, ~4 % larger


def slug(text: str) -> str:
    """A short file-name-safe form of a prompt: lowercase words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    joined = "-".join(words)[:SLUG_LENGTH].strip("-")
    return joined or "image"


def save_png(
    image: Image.Image, folder: Path, stem: str, info: PngInfo | None = None, now: datetime | None = None
) -> Path:
    """Write ``image`` as ``folder/HHMMSS-<stem>.png`` (suffixed -2, -3... if taken)."""

    def write(stream: BinaryIO) -> None:
        image.save(stream, format="PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)

    return save_output(write, folder, stem, "png", now)


def save_output(
    write: Callable[[BinaryIO], None], folder: Path, stem: str, suffix: str, now: datetime | None = None
) -> Path:
    """``write`` into ``folder/HHMMSS-<stem>.<suffix>``, atomically and under a free name."""
    now = now or datetime.now()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=f".{suffix}", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        return _link_unique(Path(temporary), folder, f"{now:%H%M%S}-{stem}", suffix)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _link_unique(temporary: Path, folder: Path, base: str, suffix: str) -> Path:
    for attempt in range(1, 10_000):
        candidate = folder / (f"{base}.{suffix}" if attempt == 1 else f"{base}-{attempt}.{suffix}")
        try:
            os.link(temporary, candidate)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free file name for {base} in {folder}")
