"""What one output file says about itself: its folder's day, when it was made, and its parameters."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.metadata import QPYT_CHUNK, parameters_in, text_chunks

LISTED_SUFFIXES = (".png", ".svg")
CACHE_FOLDER = ".history"
"""Where, inside the outputs folder, the history keeps its index and thumbnails (hidden: never listed)."""
DAY_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class OutputRecord:
    """One output: ``path`` relative to the outputs folder (with ``/``), the day it belongs to, its
    modification time and size (which say whether the file changed), and what made it."""

    path: str
    day: str
    made_ns: int
    size: int
    prompt: str = ""
    negative_prompt: str = ""
    model: str = ""
    seed: str = ""
    brick: str = ""
    width: int = 0
    height: int = 0
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def is_svg(self) -> bool:
        return self.path.lower().endswith(".svg")

    def summary(self) -> dict[str, Any]:
        """The record as the API lists it."""
        made = datetime.fromtimestamp(self.made_ns / 1e9).isoformat(timespec="seconds")
        return {
            "file": self.path,
            "day": self.day,
            "made": made,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "model": self.model,
            "seed": self.seed,
            "brick": self.brick,
            "width": self.width,
            "height": self.height,
        }

    def searchable(self) -> str:
        """The text a search looks in: prompts, model, brick and seed, case-folded."""
        return " ".join((self.prompt, self.negative_prompt, self.model, self.brick, self.seed)).casefold()


def listed(name: str) -> bool:
    """Whether a file called ``name`` is an output the history lists (not hidden, not a partial write)."""
    return not name.startswith(".") and name.lower().endswith(LISTED_SUFFIXES)


def read_record(relative: str, path: Path, stat: os.stat_result) -> OutputRecord:
    """The record of the output at ``path`` (``relative`` to the outputs folder); a damaged file gets a
    record with no parameters, so it can still be found and deleted."""
    folder = relative.rsplit("/", 1)[0] if "/" in relative else ""
    day = folder if DAY_FOLDER.fullmatch(folder) else datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d")
    parameters, size = _svg(path) if relative.lower().endswith(".svg") else _image(path)
    return OutputRecord(
        relative,
        day,
        stat.st_mtime_ns,
        stat.st_size,
        prompt=_text(parameters.get("prompt")),
        negative_prompt=_text(parameters.get("negative_prompt")),
        model=_text(parameters.get("model")),
        seed=_text(parameters.get("seed")),
        brick=_text(parameters.get("brick")),
        width=size[0] or _whole(parameters.get("width")),
        height=size[1] or _whole(parameters.get("height")),
        parameters=parameters,
    )


def _image(path: Path) -> tuple[dict[str, Any], tuple[int, int]]:
    try:
        with Image.open(path) as image:
            size, chunks = image.size, text_chunks(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return {}, (0, 0)
    if QPYT_CHUNK in chunks:
        return parameters_in(chunks), size
    from qpyt_gradio.image_parameters import read_image_parameters

    try:
        return read_image_parameters(path).parameters, size
    except InvalidInput:
        return {}, size


def _svg(path: Path) -> tuple[dict[str, Any], tuple[int, int]]:
    from qpyt_gradio.workflows.document import WorkflowError
    from qpyt_gradio.workflows.embedded import svg_parameters

    try:
        return svg_parameters(path), (0, 0)
    except (WorkflowError, OSError):
        return {}, (0, 0)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
