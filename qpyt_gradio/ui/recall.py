"""Fill the Generate brick back from an image's parameters: Qpyt-UI's own, or those of another tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qpyt_gradio.image_parameters import read_image_parameters
from qpyt_gradio.models.catalog import Catalog


def recall_from_image(path: Path, catalog: Catalog) -> tuple[dict[str, Any], str]:
    """The Generate fields stored in ``path`` and a note for the user ("" when all went in)."""
    read = read_image_parameters(path)
    if not read.tool:
        return {}, f"{path.name} carries no generation parameters."
    values = {**read.parameters, "num_images": 1}
    notes = []
    if read.ignored:
        notes.append(f"Read from an image made with {read.tool}; not used here: {'; '.join(read.ignored)}.")
    model = values.get("model")
    if model is not None and model not in {spec.name for spec in catalog.specs()}:
        del values["model"]
        notes.append(f"The model of this image ({model}) is not available here; the current model was kept.")
    return values, " ".join(notes)
