"""The checks every brick applies to what users type: texts and numbers, with messages that name them."""

from __future__ import annotations

import re
import secrets
from typing import Any

from qpyt_gradio.errors import InvalidInput

MAX_PROMPT_CHARS = 4000
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]*")
RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
SEED_LIMIT = 2**32
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def whole_number(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; :class:`InvalidInput` naming ``name`` otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{name} must be a whole number, not {str(value)[:40]!r}.") from None
    if not number.is_integer():
        raise InvalidInput(f"{name} must be a whole number, not {value}.")
    if not low <= number <= high:
        raise InvalidInput(f"{name} {int(number)} is out of range: use {low} to {high}.")
    return int(number)


def decimal_number(name: str, value: Any, low: float, high: float) -> float:
    """``value`` as a float in [low, high]; :class:`InvalidInput` naming ``name`` otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{name} must be a number, not {str(value)[:40]!r}.") from None
    if not low <= number <= high:
        raise InvalidInput(f"{name} {number:g} is out of range: use {low:g} to {high:g}.")
    return number


def seed_number(value: Any) -> int:
    """A seed in [0, 2**32); -1 picks one at random."""
    seed = whole_number("Seed", value, -1, SEED_LIMIT - 1)
    return secrets.randbelow(SEED_LIMIT) if seed == -1 else seed


def one_line(text: str) -> str:
    """A model's text as one clean line: control characters dropped, white space collapsed."""
    return " ".join(_CONTROL.sub("", text).split())


MAX_LORAS = 8
MAX_STYLES = 8
LORA_WEIGHT_RANGE = (-2.0, 2.0)
MAX_NAME_CHARS = 120
LoraChoice = tuple[str, float]


def lora_choices(label: str, value: Any) -> tuple[LoraChoice, ...]:
    """LoRAs as ``(name, weight)`` pairs from a list of ``[name, weight]`` (or ``{"name", "weight"}``),
    or from a text ``"name:0.8, other"``; names are not looked up here, only their form is checked."""
    items = _listed(label, value)
    if len(items) > MAX_LORAS:
        raise InvalidInput(f"{label}: {len(items)} LoRAs at once; use {MAX_LORAS} or fewer.")
    pairs = []
    for item in items:
        if isinstance(item, dict):
            name, weight = item.get("name"), item.get("weight", 1.0)
        elif isinstance(item, (list, tuple)) and len(item) in (1, 2):
            name, weight = item[0], item[1] if len(item) == 2 else 1.0
        elif isinstance(item, str):
            name, _, weight = item.rpartition(":") if ":" in item else (item, "", 1.0)
        else:
            raise InvalidInput(f"{label}: write each LoRA as [name, weight], not {str(item)[:60]!r}.")
        name = checked_name(label, name)
        if isinstance(weight, bool):
            raise InvalidInput(f"{label}: the weight of {name!r} must be a number, not {weight!r}.")
        pairs.append((name, decimal_number(f"{label}: the weight of {name!r}", weight, *LORA_WEIGHT_RANGE)))
    names = [name for name, _weight in pairs]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise InvalidInput(f"{label}: {twice!r} is listed twice; give each LoRA once, with one weight.")
    return tuple(pairs)


def name_list(label: str, value: Any) -> tuple[str, ...]:
    """Names (styles) from a list or a comma-separated text, in order, each once."""
    names = [checked_name(label, item) for item in _listed(label, value)]
    if len(names) > MAX_STYLES:
        raise InvalidInput(f"{label}: {len(names)} at once; use {MAX_STYLES} or fewer.")
    return tuple(dict.fromkeys(names))


def checked_name(label: str, name: Any) -> str:
    """A name as a user may give it: a short one-line text (it is looked up, never used as a path)."""
    if not isinstance(name, str):
        raise InvalidInput(f"{label}: a name must be a text, not {str(name)[:40]!r}.")
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_CHARS or _CONTROL.search(cleaned) or "\n" in cleaned:
        raise InvalidInput(f"{label}: {cleaned[:60]!r} is not a name; use a name from the list.")
    return cleaned


def _listed(label: str, value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [piece for piece in (part.strip() for part in value.split(",")) if piece]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise InvalidInput(f"{label} must be a list, not {str(value)[:40]!r}.")


def file_stem(name: Any, what: str, max_chars: int) -> str:
    """``name`` stripped, when it can safely name a file of a folder the app owns (a saved ``what``: a
    workflow, a LoRA); :class:`InvalidInput` saying why not."""
    if not isinstance(name, str):
        raise InvalidInput(f"A {what} name is a text.")
    name = name.strip()
    if not name:
        raise InvalidInput(f"The {what} has no name: type one.")
    if "\x00" in name or any(ord(char) < 32 for char in name):
        raise InvalidInput(f"A {what} name cannot hold control characters.")
    if len(name) > max_chars:
        raise InvalidInput(f"The name has {len(name)} characters; use {max_chars} or fewer.")
    if not FILE_NAME.fullmatch(name) or name.endswith((".", " ")):
        raise InvalidInput(
            f"{name!r} cannot be a {what} name: use letters, digits, spaces, '-', '_' and '.', "
            "starting with a letter or a digit (no '/' or '\\')."
        )
    if name.split(".")[0].strip().upper() in RESERVED_NAMES:
        raise InvalidInput(f"{name!r} is a reserved device name on Windows: choose another name.")
    return name
