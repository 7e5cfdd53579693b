"""Request fields declared once: label, meaning, range, default, and what a workflow may feed in.

A brick's request is a frozen dataclass whose fields are made with the functions below. The
declaration drives everything that reads a request: the checks (one message style for the
page, the API, the CLI and workflow files), the API's fields, the controls of the Workflow
tab and the descriptions of the MCP tools. A range's upper end may name a workspace limit
(``"max_side"``) instead of a number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.validation import (
    LORA_WEIGHT_RANGE,
    MAX_LORAS,
    MAX_PROMPT_CHARS,
    MAX_STYLES,
    SEED_LIMIT,
    decimal_number,
    lora_choices,
    name_list,
    whole_number,
)

Kind = Literal["text", "whole", "number", "flag", "choice", "seed", "model", "file", "loras", "styles"]
Feed = Literal["image", "mask", "text"]
Bound = float | str | None
_PARAM = "qpyt_param"


@dataclass(frozen=True)
class Param:
    """How one request field is read, checked and shown."""

    label: str
    help: str
    kind: Kind
    low: Bound = None
    high: Bound = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    feed: Feed | None = None
    required: str = ""
    lines: int = 1

    def bounds(self, limits: Mapping[str, float]) -> tuple[float, float]:
        """The range with named limits replaced by their values."""
        return _bound(self.low, limits), _bound(self.high, limits)

    def describe(self, default: Any, limits: Mapping[str, float]) -> str:
        """One line for API and MCP documentation: meaning, range or choices, default."""
        pieces = [self.help]
        if self.kind in ("whole", "number", "seed") and self.low is not None:
            low, high = self.bounds(limits)
            pieces.append(f"{low:g} to {high:g}")
        if self.choices:
            pieces.append("one of " + ", ".join(self.choices))
        if self.kind == "loras":
            low, high = LORA_WEIGHT_RANGE
            pieces.append(f"a list of [name, weight], weights {low:g} to {high:g}, at most {MAX_LORAS}")
        elif self.kind == "styles":
            pieces.append(f"a list of style names, applied in order, at most {MAX_STYLES}")
        if self.kind == "file":
            pieces.append("an image file")
        elif default not in (None, "", ()):
            pieces.append(f"default {default!r}")
        elif self.optional:
            pieces.append("empty for the default")
        return "; ".join(pieces) + "."


@dataclass(frozen=True)
class Declared:
    """A request field: its name (the API's keyword), its declaration and its default."""

    name: str
    param: Param
    default: Any


def _bound(value: Bound, limits: Mapping[str, float]) -> float:
    return float(limits[value]) if isinstance(value, str) else float(value or 0)


def _field(default: Any, param: Param) -> Any:
    return dataclasses.field(default=default, metadata={_PARAM: param})


def text(
    label: str, help: str, default: str = "", *, feed: Feed | None = None, required: str = "", lines: int = 1
) -> Any:
    """A text; ``required`` is the message when it is empty."""
    return _field(default, Param(label, help, "text", feed=feed, required=required, lines=lines))


def whole(
    label: str, help: str, default: int | None, low: Bound, high: Bound, *, optional: bool = False, step: float = 1
) -> Any:
    """A whole number in [low, high]; ``optional`` lets None (or an empty field) mean the brick's default."""
    return _field(default, Param(label, help, "whole", low, high, step, optional=optional))


def number(
    label: str, help: str, default: float | None, low: float, high: float, *, step: float = 0.01, optional: bool = False
) -> Any:
    """A decimal number in [low, high]."""
    return _field(default, Param(label, help, "number", low, high, step, optional=optional))


def flag(label: str, help: str, default: bool = False) -> Any:
    return _field(default, Param(label, help, "flag"))


def choice(label: str, help: str, default: str | None, choices: tuple[str, ...], *, optional: bool = False) -> Any:
    return _field(default, Param(label, help, "choice", choices=choices, optional=optional))


def seed(help: str = "the random seed; -1 picks one", default: int = -1) -> Any:
    return _field(default, Param("Seed", help, "seed", -1, SEED_LIMIT - 1, 1))


def model(help: str = "the image model: a name from the model list or a Hugging Face id; empty for the default") -> Any:
    return _field("", Param("Model", help, "model"))


def image(label: str, help: str, *, feed: Feed = "image") -> Any:
    """An image file; in a workflow it comes from an earlier step or a given file, never from params."""
    return _field(None, Param(label, help, "file", feed=feed))


def loras() -> Any:
    """The LoRAs a job applies, each with its weight (names from the LoRA folder)."""
    return _field((), Param("LoRAs", "LoRAs from the LoRA folder with their weights", "loras"))


def styles() -> Any:
    """Styles wrapped around the prompt, in order (names from the style list)."""
    return _field((), Param("Styles", "styles wrapped around the prompt, first one innermost", "styles"))


def declared(request_type: type) -> list[Declared]:
    """The declared fields of a request type, in order."""
    return [
        Declared(item.name, item.metadata[_PARAM], item.default)
        for item in dataclasses.fields(request_type)
        if _PARAM in item.metadata
    ]


def declaration(request_type: type, name: str) -> Declared:
    return next(item for item in declared(request_type) if item.name == name)


def check_value(param: Param, value: Any, limits: Mapping[str, float], fed: bool = False) -> Any:
    """``value`` converted to the field's kind and checked; :class:`InvalidInput` naming the field otherwise.

    ``fed``: the value may still come from an earlier step, so an empty required text is let through.
    """
    if param.optional and (value is None or value == ""):
        return None
    if param.kind in ("whole", "seed"):
        return whole_number(param.label, _not_flag(param, value), *(int(side) for side in param.bounds(limits)))
    if param.kind == "number":
        return decimal_number(param.label, _not_flag(param, value), *param.bounds(limits))
    if param.kind == "flag":
        if not isinstance(value, bool):
            raise InvalidInput(f"{param.label} must be true or false, not {value!r}.")
        return value
    if param.kind == "loras":
        return lora_choices(param.label, value)
    if param.kind == "styles":
        return name_list(param.label, value)
    if param.kind == "file":
        if value is not None and not isinstance(value, (str, Path)):
            raise InvalidInput(f"{param.label} must be a file, not {value!r}.")
        return value or None
    if not isinstance(value, str):
        raise InvalidInput(f"{param.label} must be a text, not {value!r}.")
    if param.kind == "choice" and value not in param.choices:
        raise InvalidInput(f"{param.label} {value!r} is unknown: use one of {', '.join(param.choices)}.")
    return _checked_text(param, value, fed) if param.kind == "text" else value.strip()


def _not_flag(param: Param, value: Any) -> Any:
    if isinstance(value, bool):
        raise InvalidInput(f"{param.label} must be a number, not {value!r}.")
    return value


def _checked_text(param: Param, value: str, fed: bool) -> str:
    if "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value):
        raise InvalidInput(
            f"{param.label} holds a character that cannot be saved (a NUL or half of a surrogate pair): remove it."
        )
    stripped = value.strip()
    if param.required and not stripped and not fed:
        raise InvalidInput(param.required)
    if len(stripped) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"{param.label} has {len(stripped):,} characters; shorten it to {MAX_PROMPT_CHARS:,} or fewer."
        )
    return stripped


def check_request(request: Any, limits: Mapping[str, float]) -> Any:
    """``request`` with every declared field checked and converted (the first problem is raised)."""
    values = {
        item.name: check_value(item.param, getattr(request, item.name), limits) for item in declared(type(request))
    }
    return dataclasses.replace(request, **values)


def request_from(request_type: type, values: Mapping[str, Any]) -> Any:
    """A request of ``request_type`` from ``values``; unknown names are refused with the known ones."""
    known = {item.name for item in declared(request_type)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(f"Unknown parameter {unknown[0]!r}: use {', '.join(sorted(known))}.")
    return request_type(**values)
