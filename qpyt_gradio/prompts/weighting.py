"""AUTOMATIC1111 prompt weighting: read once, into runs of text with their weights, or as plain text.

The syntax: ``(text:1.3)`` sets a weight, ``(text)`` multiplies it by 1.1, ``[text]`` divides it by 1.1;
groups nest and their factors multiply, text outside any group weighs 1. ``\\(`` ``\\)`` ``\\[`` ``\\]`` are
literal brackets, ``\\:`` a literal colon inside a group, ``\\\\`` a backslash. ``BREAK`` (uppercase, a word
of its own) ends a section: each section is encoded in its own 77-token windows (compel's ``.and()``),
as AUTOMATIC1111 does; for FLUX.1's T5, which reads one 512-token window, it is a comma.

Unbalanced brackets, a weight that is not a number from 0 to 10 and a colon inside ``[...]``
(AUTOMATIC1111's prompt editing, not supported) are refused with :class:`InvalidInput`, quoting the piece.

:func:`weighted_sections` is the one reader: its runs go to compel as prompt objects (compel's own
parser would change plain text: ``C++``, `` + ``, quotes); :func:`strip_weighting` and
:func:`for_engine` write the result for an engine without weighting, or for a family.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from qpyt_gradio.engines import engine
from qpyt_gradio.errors import InvalidInput

Run = tuple[str, float]
"""A piece of text and its weight."""
Section = tuple[Run, ...]
"""The runs between two ``BREAK``: never empty, no two neighbours of equal weight."""

WEIGHTED_FAMILIES = frozenset({"sdxl", "flux"})
"""Families whose prompts are weighted through compel; the others get plain text."""
WEIGHT_RANGE = (0.0, 10.0)
MAX_DEPTH = 20
UP = 1.1
DOWN = 1 / 1.1

_SYNTAX = re.compile(r"[()\[\]]|\\[\\:]|\bBREAK\b")
_TOKEN = re.compile(r"\\[\\()\[\]:]|\bBREAK\b|[()\[\]:]|\\|(?:(?!\bBREAK\b)[^\\()\[\]:])+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_CLOSER = {"(": ")", "[": "]"}
_OPENER = {")": "(", "]": "["}

_Item = Run | None
"""A run, or None for a ``BREAK``."""


_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([()\[\]])")


def has_weighting(text: str) -> bool:
    """Whether ``text`` uses the syntax: a bracket (an escaped one too: its backslash must go), ``\\:``,
    ``\\\\`` or ``BREAK``. Without it, the text reaches a tokenizer as written."""
    return bool(_SYNTAX.search(text))


def weighted_sections(text: str) -> tuple[Section, ...]:
    """``text`` read as sections (split at ``BREAK``) of runs, weights multiplied out and rounded to 4 decimals,
    escapes resolved, whitespace at section edges removed. An empty prompt has no section."""
    items, _ = _read(text, list(_TOKEN.finditer(text)), 0, None)
    groups = itertools.groupby(items, key=lambda item: item is None)
    sections = (_tidy(group) for is_break, group in groups if not is_break)
    return tuple(section for section in sections if section)


def strip_weighting(text: str) -> str:
    """The plain text an engine without weighting sees: groups and weights removed, escapes resolved,
    ``BREAK`` turned into ``", "``."""
    parts = ["".join(run_text for run_text, _ in section) for section in weighted_sections(text)]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(part.strip(", ") for part in parts)


def for_engine(family: str, text: str, label: str = "Prompt") -> tuple[str, tuple[str, ...]]:
    """``text`` (the field ``label``) as ``family`` takes it, and notes for the user. Weighting families get it
    unchanged once it reads without error (a message naming ``label`` otherwise); the others get the plain
    text and a note saying so."""
    if family in WEIGHTED_FAMILIES:
        try:
            weighted_sections(text)
        except InvalidInput as error:
            raise InvalidInput(f"{label}: {error}") from error
        return text, ()
    if not has_weighting(text):
        return text, ()
    label = engine(family).label
    try:
        plain = strip_weighting(text)
    except InvalidInput:
        return text, (f"{label} does not support prompt weights, and these brackets are not weights: used as written.",)
    return plain, (f"{label} does not support prompt weights: (…) and […] were removed, BREAK became a comma.",)


def _read(
    text: str, tokens: Sequence[re.Match[str]], index: int, opener: re.Match[str] | None, depth: int = 0
) -> tuple[list[_Item], int]:
    """The items from ``tokens[index]`` to the bracket closing ``opener`` (to the end when None), weighted by
    that group, and the index after it. ``depth`` counts the groups open around ``opener``'s."""
    items: list[_Item] = []
    colon: tuple[int, int] | None = None  # the group's last colon: index in items, position in text
    while index < len(tokens):
        token = tokens[index]
        index += 1
        symbol = token.group()
        if symbol in _CLOSER:
            if depth == MAX_DEPTH:
                raise InvalidInput(
                    f"Brackets nested more than {MAX_DEPTH} deep at {_quote(text[token.start() :])}: "
                    "use one group with a weight, like (word:1.5)."
                )
            inner, index = _read(text, tokens, index, token, depth + 1)
            items.extend(inner)
        elif symbol in _OPENER:
            if opener is None:
                context = _quote(text[max(0, token.start() - 20) : token.end() + 20])
                raise InvalidInput(
                    f"{symbol!r} in {context} has no opening {_OPENER[symbol]!r}: remove it, "
                    f"or write \\{symbol} for a literal bracket."
                )
            return _closed(text, opener, token, items, colon), index
        elif symbol == ":" and opener is not None:
            if opener.group() == "[":
                raise InvalidInput(
                    f"A colon inside [...] as in {_quote(text[opener.start() :])} is AUTOMATIC1111's prompt editing, "
                    "which is not supported: write [word] to lower a weight, (word:0.8) to set one, "
                    "or \\: for a literal colon."
                )
            colon = (len(items), token.start())
            items.append((":", 1.0))
        else:
            items.append(None if symbol == "BREAK" else (_literal(symbol), 1.0))
    if opener is not None:
        bracket = opener.group()
        raise InvalidInput(
            f"Unclosed {bracket!r} in {_quote(text[opener.start() :])}: add the missing {_CLOSER[bracket]!r}, "
            f"or write \\{bracket} for a literal bracket."
        )
    return items, index


def _closed(
    text: str, opener: re.Match[str], closer: re.Match[str], items: list[_Item], colon: tuple[int, int] | None
) -> list[_Item]:
    """A group's items with its weight applied: the number after its last colon, else 1.1 or 1/1.1."""
    group = text[opener.start() : closer.end()]
    expected = _CLOSER[opener.group()]
    if closer.group() != expected:
        raise InvalidInput(
            f"{opener.group()!r} is closed by {closer.group()!r} in {_quote(group)}: close it with {expected!r}."
        )
    if colon is None:
        factor = UP if expected == ")" else DOWN
    else:
        index, position = colon
        factor = _weight(text[position + 1 : closer.start()].strip(), group)
        items = items[:index]
    return [None if item is None else (item[0], item[1] * factor) for item in items]


def _weight(source: str, group: str) -> float:
    """The weight written ``source`` in ``group``; :class:`InvalidInput` unless a number in range."""
    fix = "write it like (word:1.2), or \\: for a literal colon."
    if not source:
        raise InvalidInput(f"{_quote(group)} has a colon but no weight after it: {fix}")
    if not _NUMBER.fullmatch(source):
        raise InvalidInput(f"The weight {source!r} in {_quote(group)} is not a number: {fix}")
    weight = float(source)
    low, high = WEIGHT_RANGE
    if not low <= weight <= high:
        raise InvalidInput(
            f"The weight {source} in {_quote(group)} is out of range: use {low:g} to {high:g}, like (word:1.2)."
        )
    return weight


def _literal(token: str) -> str:
    """A text token with its escape resolved (a lone backslash stays)."""
    return token[1] if len(token) == 2 and token[0] == "\\" else token


def _tidy(items: Iterable[Run]) -> Section:
    """Runs with weights rounded, whitespace-only runs joined to the one before, neighbours of equal weight
    merged and the edges stripped."""
    runs: list[Run] = []
    for text, weight in items:
        weight = round(weight, 4)
        if not runs:
            text = text.lstrip()
            if text:
                runs.append((text, weight))
        elif not text.strip() or runs[-1][1] == weight:
            runs[-1] = (runs[-1][0] + text, runs[-1][1])
        else:
            runs.append((text, weight))
    if runs:
        runs[-1] = (runs[-1][0].rstrip(), runs[-1][1])
    return tuple(runs)


def _quote(piece: str, limit: int = 40) -> str:
    return repr(piece if len(piece) <= limit else piece[: limit - 1] + "…")


def as_prompt_text(text: str) -> str:
    """A model's text (a caption, an enhanced prompt) made safe to use as a prompt: kept as written when its
    brackets read as weights, otherwise every bracket escaped so that it stays a literal character."""
    try:
        weighted_sections(text)
    except InvalidInput:
        return _UNESCAPED_BRACKET.sub(r"\\\1", text)
    return text
