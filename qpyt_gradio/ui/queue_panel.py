"""The Queue panel of the sidebar: the jobs on the GPU lane, the session's own with a Cancel each.

It is refreshed only while open, so a browser left idle on a shared link costs nothing. The lane's
numbers of the jobs shown stay on the server (a session state); the page only gets their rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qpyt_gradio.queue_view import cancel_job, queue_rows, shown_rows, summary
from qpyt_gradio.ui.api import PRIVATE, session_key
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.workspace import Workspace

SLOTS = 8
REFRESH_S = 1.0


@dataclass(frozen=True)
class Slot:
    """One row of the panel: what the job is, and its Cancel (shown for the session's own jobs)."""

    row: gr.Row
    text: gr.Markdown
    cancel: gr.Button


def build_queue_panel(workspace: Workspace) -> None:
    """The Queue accordion (closed) and its events; its timer runs only while it is open."""
    with gr.Accordion("Queue", open=False, elem_id="qpyt-queue") as accordion:
        heading = gr.Markdown(elem_id="qpyt-queue-summary")
        slots = [_slot(index) for index in range(SLOTS)]
    shown = gr.State([])
    timer = gr.Timer(REFRESH_S, active=False)
    outputs = [heading, shown, *(part for slot in slots for part in (slot.row, slot.text, slot.cancel))]

    def refresh(request: gr.Request) -> list[Any]:
        rows = queue_rows(workspace.lane.snapshot(), session_key(request))
        kept = shown_rows(rows, SLOTS)
        updates: list[Any] = [summary(rows, len(kept)), [row.number for row in kept]]
        for index in range(SLOTS):
            row = kept[index] if index < len(kept) else None
            updates += [
                gr.update(visible=row is not None),
                row.text if row is not None else "",
                gr.update(visible=row is not None and row.cancellable),
            ]
        return updates

    def opened(request: gr.Request) -> list[Any]:
        return [gr.Timer(active=True), *refresh(request)]

    accordion.expand(opened, None, [timer, *outputs], queue=False, show_progress="hidden", **PRIVATE)
    accordion.collapse(lambda: gr.Timer(active=False), None, timer, queue=False, **PRIVATE)
    timer.tick(refresh, None, outputs, queue=False, show_progress="hidden", **PRIVATE)
    for index, slot in enumerate(slots):
        slot.cancel.click(
            _canceller(workspace, index, refresh),
            shown,
            outputs,
            show_progress="hidden",
            concurrency_limit=None,
            **PRIVATE,
        )


def _slot(index: int) -> Slot:
    with gr.Row(visible=False, equal_height=True, elem_classes=["qpyt-queue-row"]) as row:
        text = gr.Markdown(elem_id=f"qpyt-queue-{index}")
        cancel = gr.Button(
            "Cancel",
            size="sm",
            variant="stop",
            scale=0,
            min_width=70,
            visible=False,
            elem_id=f"qpyt-queue-cancel-{index}",
        )
    return Slot(row, text, cancel)


def _canceller(
    workspace: Workspace, index: int, refresh: Callable[[gr.Request], list[Any]]
) -> Callable[..., list[Any]]:
    """The click handler of slot ``index``'s Cancel: the job shown there is cancelled, the panel refreshed."""

    @user_errors
    def cancel(shown: list[int], request: gr.Request) -> list[Any]:
        number = shown[index] if index < len(shown) else None
        gr.Info(page_text(cancel_job(workspace.lane, session_key(request), number)))
        return refresh(request)

    return cancel
