"""Fill the Generate brick back from an image's embedded parameters (Qpyt-UI or A1111)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import UnidentifiedImageError

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.metadata import read_parameters
from qpyt_gradio.models.catalog import Catalog

RECALLED = ("prompt", "negative_prompt", "model", "width", "height", "steps", "guidance", "seed", "styles", "loras")


def recall_from_image(path: Path, catalog: Catalog) -> tuple[dict[str, Any], str]:
    """The Generate fields stored in ``path`` and a note for the user ("" when all went in)."""
    try:
        stored = read_parameters(path)
    except (UnidentifiedImageError, OSError):
        raise InvalidInput(f"{path.name} is not an image this app can read.") from None
    if not stored:
        return {}, f"{path.name} carries no generation parameters."
    values = {key: stored[key] for key in RECALLED if key in stored}
    values["num_images"] = 1
    note = ""
    model = values.get("model")
    if model is not None and model not in {spec.name for spec in catalog.specs()}:
        del values["model"]
        note = f"The model of this image ({model}) is not available here; the current model was kept."
    return values, note
