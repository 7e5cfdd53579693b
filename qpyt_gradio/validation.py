"""The checks every brick applies to what users type: texts and numbers, with messages that name them."""

from __future__ import annotations

import re
import secrets
from typing import Any

from qpyt_gradio.errors import InvalidInput

MAX_PROMPT_CHARS = 4000
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
