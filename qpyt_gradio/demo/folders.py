"""Demo models are written once into a folder of their own, atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def ensure_built(folder: Path, write: Callable[[Path], None]) -> Path:
    """Make ``folder`` with ``write(folder)`` unless it is already there; returns ``folder``.

    ``write`` fills a temporary sibling which is then renamed, so the folder exists only once
    complete: a crash or a concurrent build never leaves a half-written model behind.
    """
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        write(staging)
        try:
            os.replace(staging, folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
