"""What image bricks resolve from a checked request: the texts the model sees, LoRAs, defaults, sizes, seeds.

Ranges were checked where the request fields are declared; here the styles are wrapped around
the prompt, ``<lora:…>`` tags are taken out of it, the LoRAs are checked against the model's
family, values left empty take the model's defaults, sizes are snapped to the multiple the
engine needs (saying so), and the seeds are picked. Nothing is loaded yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from qpyt_gradio.loras.selection import AdapterUse, adapter_uses, merged
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.prompts.styles import StyleBook, styled_prompt
from qpyt_gradio.prompts.weighting import for_engine
from qpyt_gradio.validation import SEED_LIMIT, LoraChoice, seed_number

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class Prompting:
    """The values every image brick shares: the prompts as written and as the model sees them (styles
    applied, LoRA tags out), the LoRAs, steps, guidance, one seed per image, notes."""

    prompt: str
    negative_prompt: str
    steps: int
    guidance: float
    seeds: tuple[int, ...]
    notes: tuple[str, ...]
    model_prompt: str = ""
    model_negative: str = ""
    loras: tuple[AdapterUse, ...] = ()

    def record(self) -> dict[str, Any]:
        """What outputs record beyond the request: the LoRA files used and the styled prompts."""
        recorded: dict[str, Any] = {"lora_files": [use.record() for use in self.loras]}
        if self.model_prompt != self.prompt:
            recorded["model_prompt"] = self.model_prompt
        if self.model_negative != self.negative_prompt:
            recorded["model_negative_prompt"] = self.model_negative
        return recorded


@dataclass(frozen=True)
class ModelTexts:
    """The prompts as ``spec``'s model sees them (styles applied, LoRA tags out, weighting kept or removed),
    the LoRAs the styles and the tags bring (tags last), and notes."""

    prompt: str
    negative_prompt: str
    loras: tuple[LoraChoice, ...]
    notes: tuple[str, ...]


def model_texts(
    styles: StyleBook, spec: ModelSpec, prompt: str, negative_prompt: str, style_names: Sequence[str]
) -> ModelTexts:
    """What the model of ``spec`` will see of these prompts and styles (what the page previews too)."""
    engine = spec.engine
    notes: list[str] = []
    styled, tagged = styled_prompt(styles, prompt, negative_prompt, style_names)
    negative = styled.negative_prompt
    if negative and not engine.negative_prompt:
        if negative_prompt:
            notes.append(f"{engine.label} takes no negative prompt: it was ignored.")
        negative = ""
    model_prompt, weighting_notes = for_engine(spec.family, styled.prompt)
    model_negative, negative_notes = for_engine(spec.family, negative, "Negative prompt")
    notes += dict.fromkeys((*weighting_notes, *negative_notes))
    return ModelTexts(model_prompt, model_negative, (*styled.loras, *tagged), tuple(notes))


def prompting(workspace: Workspace, spec: ModelSpec, request: Any, count: int | None = None) -> Prompting:
    """The shared values of ``request`` for ``spec``'s engine; ``count`` images (default: the request's)."""
    defaults = spec.defaults
    texts = model_texts(workspace.styles, spec, request.prompt, request.negative_prompt, request.styles)
    negative = request.negative_prompt if spec.engine.negative_prompt else ""
    choices = merged(request.loras, texts.loras)
    loras = adapter_uses(workspace.loras, choices, spec.family, spec.name) if choices else ()
    count = count if count is not None else request.num_images
    first = seed_number(request.seed)
    seeds = tuple((first + index) % SEED_LIMIT for index in range(count))
    steps = defaults.steps if request.steps is None else request.steps
    guidance = defaults.guidance if request.guidance is None else request.guidance
    return Prompting(
        request.prompt, negative, steps, guidance, seeds, texts.notes, texts.prompt, texts.negative_prompt, loras
    )


@dataclass(frozen=True)
class PreparedGeneration:
    """A text-to-image request with every value decided, the model, one seed per image, notes, and
    the prompt as the user wrote it when it was translated before generating."""

    request: Any
    spec: ModelSpec
    shared: Prompting
    notes: tuple[str, ...]
    source_prompt: str | None = None

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.shared.seeds


def _snap(name: str, value: int, multiple: int, high: int, engine_label: str, notes: list[str]) -> int:
    nearest = (value + multiple // 2) // multiple * multiple
    snapped = max(multiple, min(high - high % multiple, nearest))
    if snapped != value:
        notes.append(f"{name} {value} → {snapped}: {engine_label} needs multiples of {multiple}.")
    return snapped


def prepare(workspace: Workspace, request: Any, spec: ModelSpec) -> PreparedGeneration:
    """``request`` (checked) with the model's defaults, snapped sizes, its seeds and LoRAs."""
    engine, max_side = spec.engine, workspace.max_side
    shared = prompting(workspace, spec, request)
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
    return PreparedGeneration(decided, spec, shared, tuple(notes))
