"""What the History tab and ``/history`` list: a checked search of the workspace's outputs, and its
plain form for the API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.validation import whole_number

if TYPE_CHECKING:
    from qpyt_gradio.history.index import HistoryPage
    from qpyt_gradio.workspace import Workspace

MAX_PAGE = 1_000_000
HISTORY_OFF = (
    "The history is off on a shared link or a Space: it would show every user's images. "
    "Start the app with --history (or QPYT_HISTORY=1) to show it anyway."
)


def history_page(workspace: Workspace, query: Any = "", day: Any = "", page: Any = 1) -> HistoryPage:
    """Page ``page`` of the outputs matching ``query`` on ``day``; refused when the history is off."""
    if not workspace.settings.history_shown:
        raise InvalidInput(HISTORY_OFF)
    if isinstance(page, bool):
        raise InvalidInput(f"Page must be a whole number, not {page}.")
    number = whole_number("Page", page, 1, MAX_PAGE)
    return workspace.history.search(query, day, number)


def page_summary(workspace: Workspace, found: HistoryPage) -> dict[str, Any]:
    """``found`` as the API returns it, with every day and its count."""
    return {
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "days": [[day, count] for day, count in workspace.history.days()],
        "items": [record.summary() for record in found.records],
    }
