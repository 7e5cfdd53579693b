"""Limits and checks shared by everything that takes a prompt-like text from a user."""

from __future__ import annotations

from qpyt_gradio.errors import InvalidInput

MAX_PROMPT_CHARS = 4000


def require_text(text: str | None, empty_message: str) -> str:
    """``text`` stripped; :class:`InvalidInput` when it is empty or longer than the limit."""
    value = (text or "").strip()
    if not value:
        raise InvalidInput(empty_message)
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"The text has {len(value):,} characters; shorten it to {MAX_PROMPT_CHARS:,} or fewer.")
    return value
