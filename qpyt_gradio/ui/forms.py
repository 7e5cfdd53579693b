"""Controls built from a request's declared fields: labels, ranges, steps and choices come from there.

The tabs lay these controls out their own way; the Workflow tab shows a step's fields with
them; a brick without a tab of its own gets a form of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.contract import Brick
from qpyt_gradio.bricks.params import Declared, declaration, request_from
from qpyt_gradio.workspace import Workspace

Adapt = Callable[[dict[str, Any]], dict[str, Any]]

SLIDER_MAX_SPAN = 8192
LORA_SLOT = "lora_slot_{index}_{part}"
"""Input names of the LoRA slots of a tab (name, weight); they make the request's ``loras`` field."""
SLOT_PREFIX = "lora_slot_"


def gathered_loras(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the LoRA slots' names and weights as one ``loras`` list (empty slots left out)."""
    slots = [key for key in values if key.startswith(SLOT_PREFIX) and key.endswith("_name")]
    if not slots:
        return values
    rest = {key: value for key, value in values.items() if not key.startswith(SLOT_PREFIX)}
    chosen = [[values[key], values[key.removesuffix("name") + "weight"]] for key in slots if values[key]]
    return {**rest, "loras": chosen}


def spread_loras(values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The inverse of :func:`gathered_loras` for the slot inputs among ``names``: a recalled ``loras``
    list filled into the slots, the slots beyond it emptied."""
    slots = [key for key in names if key.startswith(SLOT_PREFIX) and key.endswith("_name")]
    if "loras" not in values or not slots:
        return values
    pairs = [list(pair) for pair in values["loras"]][: len(slots)]
    filled = {}
    for index, key in enumerate(slots):
        name, weight = pairs[index] if index < len(pairs) else ("", 1.0)
        filled[key], filled[key.removesuffix("name") + "weight"] = name, weight
    return {**values, **filled}


def control(
    workspace: Workspace, item: Declared, value: Any = None, empty_model: str | None = None, **options: Any
) -> gr.components.Component:
    """A control for one declared field, showing ``value`` (default: the field's default).

    A numeric field left empty on purpose (optional, no value) is a number box that may stay
    empty; otherwise a slider spans the declared range. ``empty_model`` labels the choice of no
    model (a workflow step then runs on the model of the step before); without it the model
    picker starts on the first model of the list.
    """
    param = item.param
    value = item.default if value is None else value
    label = options.pop("label", None) or _label(item, value)
    if param.kind == "text":
        return gr.Textbox(value, label=label, lines=options.pop("lines", param.lines), **options)
    if param.kind == "flag":
        return gr.Checkbox(bool(value), label=label, **options)
    if param.kind == "choice":
        choices = [*([("(default)", "")] if param.optional else []), *param.choices]
        return gr.Dropdown(choices, value=value or ("" if param.optional else None), label=label, **options)
    if param.kind == "model":
        if empty_model is not None:
            return gr.Dropdown(
                [(empty_model, ""), *workspace.catalog.choices()],
                value=value,
                label=label,
                allow_custom_value=True,
                **options,
            )
        return gr.Dropdown(
            workspace.catalog.choices(),
            value=value or workspace.catalog.default_name(),
            label=label,
            allow_custom_value=True,
            **options,
        )
    if param.kind == "seed":
        return gr.Number(value, label=label, precision=0, minimum=-1, **options)
    if param.kind == "styles":
        return gr.Dropdown(
            style_options(workspace),
            value=list(value),
            multiselect=True,
            allow_custom_value=True,
            label=label,
            info="a name or a category; in the order picked",
            **options,
        )
    if param.kind == "loras":
        text = value if isinstance(value, str) else ", ".join(f"{name}:{weight:g}" for name, weight in value)
        return gr.Textbox(text, label=f"{label} (name:weight)", **options)
    low, high = param.bounds(workspace.limits)
    whole = param.kind == "whole"
    if value is None or high - low > SLIDER_MAX_SPAN:
        return gr.Number(value, label=label, precision=0 if whole else None, minimum=low, maximum=high, **options)
    step = options.pop("step", param.step or (1 if whole else 0.01))
    return gr.Slider(low, high, value, step=step, label=label, **options)


def _label(item: Declared, value: Any) -> str:
    if item.param.kind == "seed":
        return f"{item.param.label} (−1 = random)"
    if item.param.optional and value is None and item.param.kind in ("whole", "number"):
        return f"{item.param.label} (auto)"
    return item.param.label


def controls(
    workspace: Workspace,
    request_type: type,
    names: Iterable[str],
    values: Mapping[str, Any] | None = None,
    **options: Any,
) -> dict[str, gr.components.Component]:
    """Controls for ``names`` of ``request_type``, in that order, with ``values`` where given."""
    values = values or {}
    return {name: control(workspace, declaration(request_type, name), values.get(name), **options) for name in names}


@dataclass(frozen=True)
class BrickForm:
    """A brick's controls in a tab: field name → component, and how their values become its request
    (``adapt`` turns a widget's value into the field's, like an editor's layers into image and mask)."""

    brick: Brick
    inputs: Mapping[str, Any]
    adapt: Adapt | None = None

    def request(self, values: dict[str, Any]) -> Any:
        values = gathered_loras(values)
        return request_from(self.brick.request, self.adapt(values) if self.adapt else values)


def style_options(workspace: Workspace) -> list[tuple[str, str]]:
    """Every style as (``"Name · Category"``, name), so typing a category finds its styles."""
    return [(f"{style.name} · {style.category}", style.name) for style in workspace.styles.styles.values()]
