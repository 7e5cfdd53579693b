"""The one place where problems a user can fix become ``gr.Error`` pop-ups."""

from __future__ import annotations

import functools
import html
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from qpyt_gradio.errors import UserFacingError

Handler = TypeVar("Handler", bound=Callable[..., Any])


def user_errors(handler: Handler, escape: bool = True) -> Handler:
    """Show :class:`UserFacingError` messages in the page; the app keeps serving.

    Messages may quote what a user typed or a file's name, and the page renders them as HTML, so
    they are escaped; ``escape`` off is for API endpoints, whose clients read plain text. The
    gr.Error is raised outside the ``except`` block so it does not chain to (and keep alive) the
    original traceback and whatever models its frames referenced.
    """
    shown = (lambda message: html.escape(message, quote=False)) if escape else str
    if inspect.isgeneratorfunction(handler):

        @functools.wraps(handler)
        def generator_wrapper(*args: Any, **kwargs: Any) -> Any:
            message = None
            try:
                yield from handler(*args, **kwargs)
            except UserFacingError as error:
                message = str(error)
            if message is not None:
                raise gr.Error(shown(message), print_exception=False)

        return generator_wrapper  # type: ignore[return-value]

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        message = None
        try:
            return handler(*args, **kwargs)
        except UserFacingError as error:
            message = str(error)
        raise gr.Error(shown(message), print_exception=False)

    return wrapper  # type: ignore[return-value]


def page_text(message: str) -> str:
    """``message`` (which may quote user text or file names) safe to show in a page toast."""
    return html.escape(message, quote=False)
