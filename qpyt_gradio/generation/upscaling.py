"""Tiled upscaler: resize with Lanczos, then re-detail tile by tile with img2img at low strength.

Tiles overlap and are blended with weights that ramp up across the overlap and stay full at
the image's own edges, so every output pixel has a positive weight and no seam or dark border
shows. Each tile has its own seed (seed + tile index), so a run can be repeated; the model
only ever sees one tile, so memory does not grow with the output beyond the image buffers.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.generation.budget import check_budget, denoising_steps, megapixel_steps
from qpyt_gradio.generation.editing import MAX_SOURCE_SIDE, check_edit, edit_parameters, open_source
from qpyt_gradio.generation.results import save_images
from qpyt_gradio.generation.sampling import Sampling, prompt_arguments, sample
from qpyt_gradio.validation import SEED_LIMIT, whole_number

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

DEFAULT_PROMPT = "highly detailed, sharp focus"
MAX_TILES_PER_SIDE = 16
PREVIEW_SIDE = 512


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile offsets along one side: tiles of ``tile`` pixels, neighbours sharing at least ``overlap``."""
    if length <= tile:
        return [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    return [round(index * (length - tile) / (count - 1)) for index in range(count)]


def ramp(size: int, overlap_before: int, overlap_after: int) -> np.ndarray:
    """Weights along one side of a tile: rising over the shared edges, 1 elsewhere, never 0."""
    weights = np.ones(size)
    if overlap_before:
        weights[:overlap_before] = (np.arange(overlap_before) + 1) / (overlap_before + 1)
    if overlap_after:
        weights[size - overlap_after :] = np.minimum(
            weights[size - overlap_after :], ((np.arange(overlap_after) + 1) / (overlap_after + 1))[::-1]
        )
    return weights


def tile_weights(starts: list[int], index: int, tile: int) -> np.ndarray:
    """The 1-D weights of tile ``index`` among tiles starting at ``starts``."""
    before = starts[index - 1] + tile - starts[index] if index > 0 else 0
    after = starts[index] + tile - starts[index + 1] if index + 1 < len(starts) else 0
    return ramp(tile, max(before, 0), max(after, 0))


def check_tiling(request: Any, width: int, height: int, default_tile: int, multiple: int) -> tuple[int, int]:
    """Tile and overlap (0 takes the model's size and an eighth of the tile); refuses an output larger
    than allowed, or tiles so small that there would be more than about 16 a side, before any work."""
    scale = request.scale
    target = (round(width * scale), round(height * scale))
    if max(target) > MAX_SOURCE_SIDE:
        raise InvalidInput(
            f"×{scale:g} would make {target[0]}×{target[1]}; the largest side allowed is {MAX_SOURCE_SIDE}. "
            "Use a smaller scale."
        )
    tile = whole_number("Tile size", request.tile or default_tile, 64, 4096)
    floor = max(64, math.ceil(max(target) / MAX_TILES_PER_SIDE))
    if tile < floor:
        raise InvalidInput(
            f"Tile {tile} would cut the {target[0]}×{target[1]} output into too many tiles: use a tile of at least "
            f"{floor} (or 0 for the model's own size)."
        )
    tile -= tile % multiple
    overlap = request.overlap or tile // 8
    if overlap >= tile // 2:
        raise InvalidInput(
            f"Overlap {overlap} must be less than half the tile size ({tile}): lower it or raise the tile."
        )
    return tile, overlap


def upscale(workspace: Workspace, job: Job, request: Any) -> Result:
    """Enlarge the source ``request.scale`` times and redraw its details tile by tile."""
    if not request.prompt:
        request = replace(request, prompt=DEFAULT_PROMPT)
    spec, shared = check_edit(workspace, request, count=1)
    source = open_source(request.image, "upscale")
    multiple = spec.engine.size_multiple
    scale = request.scale
    tile, overlap = check_tiling(request, *source.image.size, spec.defaults.width, multiple)
    target = (round(source.image.width * scale), round(source.image.height * scale))
    padded_size = tuple(math.ceil(side / multiple) * multiple for side in target)
    enlarged = source.image.resize(target, Image.Resampling.LANCZOS)
    canvas = np.pad(
        np.asarray(enlarged), ((0, padded_size[1] - target[1]), (0, padded_size[0] - target[0]), (0, 0)), mode="edge"
    )
    tile_w, tile_h = min(tile, padded_size[0]), min(tile, padded_size[1])
    columns = tile_starts(padded_size[0], tile_w, overlap)
    rows = tile_starts(padded_size[1], tile_h, overlap)
    total = len(rows) * len(columns)
    steps = denoising_steps(shared.steps, request.strength)
    what = f"{total} tiles of {tile_w}×{tile_h} × {steps} steps"
    check_budget(workspace, megapixel_steps(tile_w, tile_h, steps, total), what, "the scale, or the steps or strength")
    blended = np.zeros((padded_size[1], padded_size[0], 3), dtype=np.float32)
    weights = np.zeros((padded_size[1], padded_size[0], 1), dtype=np.float32)
    sampled = None
    for index, (row, column) in enumerate((r, c) for r in range(len(rows)) for c in range(len(columns))):
        if job.cancel.is_set():
            raise GenerationCancelled(f"Cancelled after tile {index} of {total}.")
        top, left = rows[row], columns[column]
        piece = Image.fromarray(canvas[top : top + tile_h, left : left + tile_w])
        seed = (shared.seeds[0] + index) % SEED_LIMIT
        arguments = {
            **prompt_arguments(spec, shared, [seed]),
            "image": piece,
            "strength": request.strength,
            "width": tile_w,
            "height": tile_h,
        }
        tiling = Sampling(spec, "img2img", arguments, tile_w, tile_h, vae_tiling=True, loras=shared.loras)
        sampled = sample(workspace, job, tiling, progress=False)
        (redrawn,) = sampled.images
        weight = np.outer(tile_weights(rows, row, tile_h), tile_weights(columns, column, tile_w))[..., None]
        blended[top : top + tile_h, left : left + tile_w] += np.asarray(redrawn, dtype=np.float32) * weight
        weights[top : top + tile_h, left : left + tile_w] += weight
        job.step_progress(index + 1, total, lambda: _assembled(blended, weights, target, PREVIEW_SIDE), "tile")
    result = _assembled(blended, weights, target)
    parameters = {
        **edit_parameters(request, spec, shared, source, sampled.sampler if sampled else "", "upscale"),
        "width": target[0],
        "height": target[1],
        "scale": scale,
        "tile": tile,
        "overlap": overlap,
        "tiles": total,
    }
    notes = (*shared.notes, *source.notes, *(sampled.notes if sampled else ()))
    return save_images(workspace, job, [result], shared.seeds, parameters, notes)


def _assembled(blended: np.ndarray, weights: np.ndarray, size: tuple[int, int], side: int = 0) -> Image.Image:
    """The image so far: weighted sum ÷ weights (untouched areas black), cropped to ``size``; every
    n-th pixel only when ``side`` asks for a preview about that large."""
    step = max(1, math.ceil(max(size) / side)) if side else 1
    summed, weight = blended[: size[1] : step, : size[0] : step], weights[: size[1] : step, : size[0] : step]
    pixels = np.divide(summed, weight, out=np.zeros_like(summed), where=weight > 0)
    return Image.fromarray(np.clip(pixels.round(), 0, 255).astype(np.uint8))
