"""What image bricks resolve from a checked request: the model's defaults, snapped sizes, seeds, notes.

Ranges were checked where the request fields are declared; here values left empty take the
model's defaults, sizes are snapped to the multiple the engine needs (saying so), and the
seeds are picked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.validation import SEED_LIMIT, seed_number


@dataclass(frozen=True)
class Prompting:
    """The values every image brick shares: prompts, steps, guidance, one seed per image, notes."""

    prompt: str
    negative_prompt: str
    steps: int
    guidance: float
    seeds: tuple[int, ...]
    notes: tuple[str, ...]


def prompting(spec: ModelSpec, request: Any, count: int | None = None) -> Prompting:
    """The shared values of ``request`` for ``spec``'s engine; ``count`` images (default: the request's)."""
    engine, defaults = spec.engine, spec.defaults
    notes: list[str] = []
    negative = request.negative_prompt
    if negative and not engine.negative_prompt:
        notes.append(f"{engine.label} takes no negative prompt: it was ignored.")
        negative = ""
    count = count if count is not None else request.num_images
    first = seed_number(request.seed)
    seeds = tuple((first + index) % SEED_LIMIT for index in range(count))
    steps = defaults.steps if request.steps is None else request.steps
    guidance = defaults.guidance if request.guidance is None else request.guidance
    return Prompting(request.prompt, negative, steps, guidance, seeds, tuple(notes))


@dataclass(frozen=True)
class PreparedGeneration:
    """A text-to-image request with every value decided, the model, one seed per image, notes, and
    the prompt as the user wrote it when it was translated before generating."""

    request: Any
    spec: ModelSpec
    seeds: tuple[int, ...]
    notes: tuple[str, ...]
    source_prompt: str | None = None


def _snap(name: str, value: int, multiple: int, high: int, engine_label: str, notes: list[str]) -> int:
    nearest = (value + multiple // 2) // multiple * multiple
    snapped = max(multiple, min(high - high % multiple, nearest))
    if snapped != value:
        notes.append(f"{name} {value} → {snapped}: {engine_label} needs multiples of {multiple}.")
    return snapped


def prepare(request: Any, spec: ModelSpec, max_side: int) -> PreparedGeneration:
    """``request`` (checked) with the model's defaults, snapped sizes and its seeds."""
    engine = spec.engine
    shared = prompting(spec, request)
    notes = list(shared.notes)
    width = spec.defaults.width if request.width is None else request.width
    height = spec.defaults.height if request.height is None else request.height
    width = _snap("Width", width, engine.size_multiple, max_side, engine.label, notes)
    height = _snap("Height", height, engine.size_multiple, max_side, engine.label, notes)
    decided = replace(
        request,
        negative_prompt=shared.negative_prompt,
        model=spec.name,
        width=width,
        height=height,
        steps=shared.steps,
        guidance=shared.guidance,
        seed=shared.seeds[0],
    )
    return PreparedGeneration(decided, spec, shared.seeds, tuple(notes))
