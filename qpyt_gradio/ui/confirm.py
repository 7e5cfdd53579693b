"""Deleting a user's file only after a second press: the picked name is kept while the confirmation shows,
so Confirm deletes that one whatever is picked by then."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr


def asking(nothing_picked: str) -> Callable[[str | None], tuple[Any, Any]]:
    """A handler for Delete…: shows the confirmation row and keeps the picked name (a warning when none is)."""

    def ask(name: str | None) -> tuple[Any, Any]:
        if not name:
            gr.Warning(nothing_picked)
            return gr.skip(), gr.skip()
        return gr.update(visible=True), name

    return ask


def dismissed() -> tuple[Any, None]:
    """The confirmation row hidden and the kept name dropped (Keep it, or another pick)."""
    return gr.update(visible=False), None
