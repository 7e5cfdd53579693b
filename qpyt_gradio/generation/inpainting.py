"""Inpainting: redraw the masked part of an image, leave the rest exactly as it was.

The mask (white = change) is made binary, then feathered outwards by ``mask_blur`` pixels.
The model redraws the mask and its feather band; the result is composited over the source
through the feathered mask, so every pixel outside mask + band keeps the source's exact
value. "Only the masked area" crops around the mask (plus padding), works on the crop at the
model's own resolution, and pastes it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.generation.editing import (
    MAX_SOURCE_SIDE,
    Source,
    check_edit,
    edit_parameters,
    open_source,
    working_size,
)
from qpyt_gradio.generation.results import save_images
from qpyt_gradio.generation.sampling import Sampling, prompt_arguments, sample
from qpyt_gradio.images import open_checked
from qpyt_gradio.models.catalog import ModelSpec

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class InpaintOptions:
    """How the mask is used: feather width, and whether to work on a crop around it."""

    mask_blur: int = 8
    only_masked: bool = False
    padding: int = 32


@dataclass(frozen=True)
class Region:
    """What the model works on: the box in the source, the image and binary mask at working size."""

    box: tuple[int, int, int, int]
    image: Image.Image
    mask: Image.Image


def load_mask(mask: str | Path | Image.Image | None, size: tuple[int, int]) -> tuple[Image.Image, list[str]]:
    """A binary L mask of ``size`` (255 = change). Transparent masks use their alpha, others their brightness."""
    if mask is None or mask == "":
        raise InvalidInput("No mask: paint over the area to change, or upload a mask (white = change).")
    image = mask if isinstance(mask, Image.Image) else open_checked(mask, MAX_SOURCE_SIDE, "mask")[0]
    rgba = image.convert("RGBA")
    transparent = rgba.getextrema()[3][0] < 255
    values = rgba.getchannel("A") if transparent else image.convert("L")
    notes = []
    if values.size != size:
        notes.append(f"The mask was {values.width}×{values.height}; it was resized to the image's {size[0]}×{size[1]}.")
        values = values.resize(size, Image.Resampling.NEAREST)
    binary = values.point(lambda value: 255 if value >= 128 else 0)
    if binary.getextrema()[1] == 0:
        raise InvalidInput("The mask is empty: nothing to inpaint. Paint over the area to change.")
    if binary.getextrema()[0] == 255:
        notes.append("The mask covers the whole image: this is a new generation from the prompt.")
    return binary, notes


def feathered(mask: Image.Image, blur: int) -> Image.Image:
    """The mask with a soft band ``blur`` pixels wide around it: 255 inside, exactly 0 farther out.

    The mask is grown by half the width, then averaged over a box of the other half, so the
    band's reach is exact (square distance), whatever the size of the image.
    """
    if blur == 0:
        return mask
    inside = np.asarray(mask) > 0
    grown = _box_sum(inside, blur // 2) > 0
    alpha = _box_sum(grown, blur - blur // 2) / _box_sum(np.ones_like(grown), blur - blur // 2)
    alpha = np.where(inside, 1.0, alpha)
    return Image.fromarray(np.ceil(alpha * 255).astype(np.uint8))


def _box_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum of ``values`` over the (2·radius+1)² box around each pixel, the box cut at the image's edges."""
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    table[1:, 1:] = values.astype(np.float64).cumsum(0).cumsum(1)
    rows, columns = np.arange(values.shape[0]), np.arange(values.shape[1])
    top, bottom = np.clip(rows - radius, 0, None), np.clip(rows + radius + 1, None, values.shape[0])
    left, right = np.clip(columns - radius, 0, None), np.clip(columns + radius + 1, None, values.shape[1])
    return (
        table[np.ix_(bottom, right)]
        - table[np.ix_(top, right)]
        - table[np.ix_(bottom, left)]
        + table[np.ix_(top, left)]
    )


def region(source: Image.Image, alpha: Image.Image, spec: ModelSpec, options: InpaintOptions, max_side: int) -> Region:
    """The part of the source the model redraws, at a working size the engine takes."""
    box = (0, 0, source.width, source.height)
    if options.only_masked:
        left, top, right, bottom = alpha.getbbox()
        pad = options.padding
        box = (max(0, left - pad), max(0, top - pad), min(source.width, right + pad), min(source.height, bottom + pad))
    crop_width, crop_height = box[2] - box[0], box[3] - box[1]
    longest = max(crop_width, crop_height)
    target = max(longest, spec.defaults.width) if options.only_masked else longest
    scale = target / longest
    size = working_size(round(crop_width * scale), round(crop_height * scale), spec.engine.size_multiple, max_side)
    image = source.crop(box).resize(size, Image.Resampling.LANCZOS)
    mask = alpha.crop(box).point(lambda value: 255 if value > 0 else 0).resize(size, Image.Resampling.NEAREST)
    return Region(box, image, mask)


def composite(source: Image.Image, redrawn: Image.Image, area: Region, alpha: Image.Image) -> Image.Image:
    """``redrawn`` pasted at its box and blended into ``source`` through ``alpha``."""
    layer = source.copy()
    box_size = (area.box[2] - area.box[0], area.box[3] - area.box[1])
    layer.paste(redrawn.resize(box_size, Image.Resampling.LANCZOS), area.box[:2])
    return Image.composite(layer, source, alpha)


def inpaint(workspace: Workspace, job: Job, request: Any) -> Result:
    """Redraw the masked part of the source; pixels outside mask + feather keep their exact values."""
    return inpaint_source(workspace, job, request, open_source(request.image, "inpaint"), request.mask)


def inpaint_source(
    workspace: Workspace,
    job: Job,
    request: Any,
    source: Source,
    mask: str | Path | Image.Image | None,
    brick: str = "inpaint",
    extra: dict[str, Any] | None = None,
) -> Result:
    """:func:`inpaint` on an opened source and a given mask; ``brick`` and ``extra`` go into the saved
    parameters. ``request`` has the Inpaint brick's fields."""
    spec, shared = check_edit(workspace, request)
    options = InpaintOptions(request.mask_blur, request.only_masked, request.padding)
    binary, mask_notes = load_mask(mask, source.image.size)
    alpha = feathered(binary, options.mask_blur)
    area = region(source.image, alpha, spec, options, workspace.max_side)
    width, height = area.image.size
    arguments = {
        **prompt_arguments(spec, shared),
        "image": [area.image] * len(shared.seeds),
        "mask_image": [area.mask] * len(shared.seeds),
        "strength": request.strength,
        "width": width,
        "height": height,
    }
    sampled = sample(workspace, job, Sampling(spec, "inpaint", arguments, width, height, loras=shared.loras))
    results = [composite(source.image, image, area, alpha) for image in sampled.images]
    parameters = {
        **edit_parameters(request, spec, shared, source, sampled.sampler, brick),
        "mask_blur": options.mask_blur,
        "only_masked": options.only_masked,
        "padding": options.padding,
        **(extra or {}),
    }
    notes = (*shared.notes, *source.notes, *mask_notes, *sampled.notes)
    return save_images(workspace, job, results, shared.seeds, parameters, notes)
