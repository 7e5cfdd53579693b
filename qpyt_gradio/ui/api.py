"""API endpoints with plain inputs, next to the page's own widgets.

Sliders and dropdowns check bounds and choices before a handler runs, with messages that do
not name the field. An endpoint declared here takes plain hidden fields instead, so every
value reaches the brick's validation and its named message. Parameter names come from the
handler's signature and are the API's keyword names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

GPU_QUEUE = {"concurrency_id": "gpu", "concurrency_limit": 1}
"""Every event that runs a model joins this one queue: jobs wait their turn instead of fighting."""

FILE = object()
"""Default marking a parameter that takes a file (uploaded as is, never decoded by Gradio)."""


def session_key(request: gr.Request) -> str:
    """The browser session a job belongs to (API calls without one share a key)."""
    return request.session_hash or "anonymous"


def _hidden_field(default: Any) -> gr.components.Component:
    if default is FILE:
        return gr.File(visible=False, type="filepath")
    if isinstance(default, bool):
        return gr.Checkbox(default, visible=False)
    if not isinstance(default, (int, float)):
        return gr.Textbox("" if default is None else str(default), visible=False)
    return gr.Number(default, visible=False)


def api_endpoint(
    handler: Callable[..., Any],
    defaults: dict[str, Any],
    outputs: Sequence[gr.components.Component],
    api_name: str,
    **options: Any,
) -> None:
    """Expose ``handler`` as ``/api_name`` with one hidden field per entry of ``defaults``, in order."""
    parameters = [name for name in inspect.signature(handler).parameters if name in defaults]
    if parameters != list(defaults):
        raise ValueError(f"{api_name}: defaults {list(defaults)} must follow the handler's parameters {parameters}")
    trigger = gr.Button(visible=False)
    trigger.click(
        handler, [_hidden_field(value) for value in defaults.values()], list(outputs), api_name=api_name, **options
    )
