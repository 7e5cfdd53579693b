"""The Generate brick's parameters and the one validation layer they go through.

Values arrive from the page, the API or a workflow file; :func:`prepare` checks them
against the engine's needs, snaps sizes to the multiple the engine needs (saying so), picks
the seeds, and refuses anything else with a sentence the user can act on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from qpyt_gradio.engines import MAX_GUIDANCE, MAX_IMAGES, MAX_STEPS, MIN_SIDE
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.validation import SEED_LIMIT, decimal_number, require_text, seed_number, whole_number


@dataclass(frozen=True)
class GenerateParams:
    """What a user asks the Generate brick for; field names are the API's keyword names."""

    prompt: str
    negative_prompt: str = ""
    model: str = ""
    width: int = 1024
    height: int = 1024
    steps: int = 30
    guidance: float = 6.0
    seed: int = -1
    num_images: int = 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreparedGeneration:
    """Validated parameters, the model they run on, one seed per image, notes for the user, and
    the prompt as the user wrote it when it was translated before generating."""

    params: GenerateParams
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


@dataclass(frozen=True)
class Prompting:
    """The checked values every image brick shares: prompts, steps, guidance, seeds, notes."""

    prompt: str
    negative_prompt: str
    steps: int
    guidance: float
    seeds: tuple[int, ...]
    notes: tuple[str, ...]


def check_prompting(
    spec: ModelSpec, prompt: Any, negative_prompt: Any, steps: Any, guidance: Any, seed: Any, num_images: Any
) -> Prompting:
    """Check the shared values for ``spec``'s engine; :class:`InvalidInput` with the fix when wrong."""
    engine = spec.engine
    notes: list[str] = []
    text = require_text(prompt, "The prompt is empty: describe the image you want.")
    negative = (negative_prompt or "").strip()
    if negative and not engine.negative_prompt:
        notes.append(f"{engine.label} takes no negative prompt: it was ignored.")
        negative = ""
    checked_steps = whole_number("Steps", steps, 1, MAX_STEPS)
    checked_guidance = decimal_number("Guidance", guidance, 0.0, MAX_GUIDANCE)
    count = whole_number("Number of images", num_images, 1, MAX_IMAGES)
    first = seed_number(seed)
    seeds = tuple((first + index) % SEED_LIMIT for index in range(count))
    return Prompting(text, negative, checked_steps, checked_guidance, seeds, tuple(notes))


def prepare(params: GenerateParams, spec: ModelSpec, max_side: int) -> PreparedGeneration:
    """Check ``params`` for ``spec``'s engine; raise :class:`InvalidInput` with the fix when wrong."""
    engine = spec.engine
    shared = check_prompting(
        spec, params.prompt, params.negative_prompt, params.steps, params.guidance, params.seed, params.num_images
    )
    notes = list(shared.notes)
    width = whole_number("Width", params.width, MIN_SIDE, max_side)
    height = whole_number("Height", params.height, MIN_SIDE, max_side)
    width = _snap("Width", width, engine.size_multiple, max_side, engine.label, notes)
    height = _snap("Height", height, engine.size_multiple, max_side, engine.label, notes)
    checked = replace(
        params,
        prompt=shared.prompt,
        negative_prompt=shared.negative_prompt,
        model=spec.name,
        width=width,
        height=height,
        steps=shared.steps,
        guidance=shared.guidance,
        seed=shared.seeds[0],
        num_images=len(shared.seeds),
    )
    return PreparedGeneration(checked, spec, shared.seeds, tuple(notes))
