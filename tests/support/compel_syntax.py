"""AUTOMATIC1111 weighting written in compel's own syntax, to check our reading against compel's parser."""

from __future__ import annotations

from qpyt_gradio.prompts.weighting import Section, weighted_sections

_COMPEL_ESCAPES = str.maketrans({"(": r"\(", ")": r"\)", '"': r"\""})
_NO_SPACE_BEFORE = (",", ";", "!", "?")


def to_compel(text: str) -> str:
    """``text`` in compel's syntax: ``(red)1.3`` for a weight, ``\\(`` ``\\)`` ``\\"`` for literal characters,
    ``("section one", "section two").and()`` for ``BREAK``.

    compel's parser reads ``word+`` and ``word-`` as its own weights and keeps a group holding `` + ``,
    `` - `` or ``=`` as literal text, so :mod:`~qpyt_gradio.prompts.encoding` gives compel the runs of
    :func:`weighted_sections` instead of this string.
    """
    sections = [_compel_section(section) for section in weighted_sections(text)]
    if len(sections) <= 1:
        return "".join(sections)
    quoted = ", ".join(f'"{section}"' for section in sections)
    return f"({quoted}).and()"


def _compel_section(section: Section) -> str:
    pieces = [_compel_run(text, weight) for text, weight in section]
    written = pieces[0]
    for piece in pieces[1:]:
        written += piece if piece.startswith(_NO_SPACE_BEFORE) else " " + piece
    return written


def _compel_run(text: str, weight: float) -> str:
    escaped = text.strip().translate(_COMPEL_ESCAPES)
    if escaped.endswith("\\"):
        escaped += " "  # a trailing backslash would escape the bracket or quote that follows
    return escaped if weight == 1 else f"({escaped}){_decimal(weight)}"


def _decimal(weight: float) -> str:
    return f"{weight:.4f}".rstrip("0").rstrip(".")
