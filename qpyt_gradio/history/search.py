"""A history search as SQL: words anywhere in the prompts, model, brick or seed; ``seed:N``,
``model:name`` and ``brick:name`` for one field; quotes keep words together; a day narrows it."""

from __future__ import annotations

import re
import shlex
from typing import Any

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.history.records import DAY_FOLDER

MAX_QUERY_CHARS = 500
FIELD_CONDITIONS = {
    "seed": "seed = ?",
    "model": "model LIKE ? ESCAPE '\\'",
    "brick": "brick LIKE ? ESCAPE '\\'",
}
ANYWHERE = "searchable LIKE ? ESCAPE '\\'"
ANYWHERE_INDEXED = "id IN (SELECT rowid FROM outputs_text WHERE outputs_text MATCH ?)"
TRIGRAM = 3
"""The shortest word the trigram index can find; shorter ones are looked for row by row."""
_FIELD_TERM = re.compile(r"(?P<field>[a-z]+):(?P<value>.+)", re.IGNORECASE)


def conditions(query: Any, day: Any, text_index: bool = False) -> tuple[str, list[str]]:
    """The ``WHERE`` clause (``1`` when nothing narrows) and its arguments for ``query`` on ``day``; words of
    three characters or more are looked up in the trigram index ``outputs_text`` when ``text_index``."""
    clauses: list[str] = []
    arguments: list[str] = []
    day_text = checked_day(day)
    if day_text:
        clauses.append("day = ?")
        arguments.append(day_text)
    for term in _terms(checked_query(query)):
        matched = _FIELD_TERM.fullmatch(term)
        field = matched["field"].lower() if matched else ""
        if field in FIELD_CONDITIONS:
            value = matched["value"]
            clauses.append(FIELD_CONDITIONS[field])
            arguments.append(value.strip() if field == "seed" else _contains(value))
        elif text_index and len(term) >= TRIGRAM:
            clauses.append(ANYWHERE_INDEXED)
            arguments.append(_phrase(term))
        else:
            clauses.append(ANYWHERE)
            arguments.append(_contains(term))
    return (" AND ".join(clauses) or "1"), arguments


def checked_query(query: Any) -> str:
    if query is None:
        return ""
    if not isinstance(query, str):
        raise InvalidInput(f"Search must be a text, not {type(query).__name__}.")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"Search is {len(query)} characters long: use at most {MAX_QUERY_CHARS}.")
    return query.replace("\x00", "")


def checked_day(day: Any) -> str:
    """``day`` as ``YYYY-MM-DD``, or "" for every day."""
    if day is None or day == "":
        return ""
    if not isinstance(day, str) or not DAY_FOLDER.fullmatch(day):
        raise InvalidInput(f"Day must be a date written YYYY-MM-DD (or empty for every day), not {str(day)[:40]!r}.")
    return day


def _terms(query: str) -> list[str]:
    try:
        return shlex.split(query)
    except ValueError:  # an unclosed quote: plain words
        return query.split()


def _phrase(text: str) -> str:
    """``text`` as one FTS5 string: a trigram index matches it as a substring."""
    return '"' + text.casefold().replace('"', '""') + '"'


def _contains(text: str) -> str:
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
