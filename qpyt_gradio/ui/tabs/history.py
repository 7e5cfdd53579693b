"""The History tab: every output by day, newest first, as thumbnails; search, pages, the selected output's
parameters, Send to, Load into Generate, Open its workflow, and Delete (confirmed)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.history.index import HistoryPage
from qpyt_gradio.history.listing import HISTORY_OFF, history_page
from qpyt_gradio.history.records import OutputRecord
from qpyt_gradio.history.thumbnails import thumbnail
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.ui.parts import Opener, PageParts
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.workspace import Workspace

CAPTION_CHARS = 48
EVERY_DAY = ("Every day", "")
NOTHING_PICKED = "Pick an output in the grid first."


def build_history(workspace: Workspace, parts: PageParts) -> None:
    """The History tab, or a note saying why it is off."""
    if not workspace.settings.history_shown:
        gr.Markdown(HISTORY_OFF, elem_id="qpyt-hist-off")
        return
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row():
                query = gr.Textbox(
                    label="Search",
                    placeholder='words of the prompt, model:name, seed:123, brick:upscale, "a phrase"',
                    scale=3,
                    elem_id="qpyt-hist-query",
                )
                day = gr.Dropdown([EVERY_DAY], value="", label="Day", scale=1, elem_id="qpyt-hist-day")
            grid = gr.Gallery(
                label="Outputs, newest first",
                show_label=False,
                buttons=[],
                columns=5,
                height=470,
                object_fit="cover",
                allow_preview=False,
                type="filepath",
                interactive=False,
                elem_id="qpyt-hist-grid",
            )
            with gr.Row(elem_id="qpyt-hist-pager"):
                newer = gr.Button("‹ Newer", size="sm", scale=0, min_width=110, elem_id="qpyt-hist-newer")
                status = gr.Markdown(elem_id="qpyt-hist-status")
                older = gr.Button("Older ›", size="sm", scale=0, min_width=110, elem_id="qpyt-hist-older")
        with gr.Column(scale=2):
            shown = gr.Gallery(
                label="Selected",
                columns=1,
                height="auto",
                object_fit="contain",
                type="filepath",
                interactive=False,
                elem_id="qpyt-hist-selected",
            )
            send_bar(parts, shown, "hist")
            with gr.Row():
                load = gr.Button("Load into Generate", size="sm", elem_id="qpyt-hist-load")
                workflow = gr.Button("Open its workflow", size="sm", elem_id="qpyt-hist-workflow")
                delete = gr.Button("Delete…", variant="stop", size="sm", elem_id="qpyt-hist-delete")
            with gr.Column(visible=False) as confirm_row:
                doomed = gr.Markdown(elem_id="qpyt-hist-doomed")
                with gr.Row():
                    confirm = gr.Button("Delete it for good", variant="stop", size="sm", elem_id="qpyt-hist-confirm")
                    keep = gr.Button("Keep it", size="sm", elem_id="qpyt-hist-keep")
            with gr.Accordion("Parameters", open=True):
                parameters = gr.JSON(max_height=330, elem_id="qpyt-hist-parameters")
    paths, page, chosen = gr.State([]), gr.State(1), gr.State(None)
    listing = [grid, status, paths, page, day]
    picked_outputs = [chosen, shown, parameters, confirm_row]

    @user_errors
    def show(words: str, on_day: str, number: int) -> tuple[Any, ...]:
        found = history_page(workspace, words, on_day, number)
        days = [EVERY_DAY, *((f"{each} · {count}", each) for each, count in workspace.history.days())]
        items = [(str(thumbnail(workspace.history.outputs_dir, record)), _caption(record)) for record in found.records]
        return (
            items,
            _status(found, bool(words or on_day)),
            [record.path for record in found.records],
            found.page,
            gr.update(choices=days),
        )

    def turn(step: int):
        def to_page(words: str, on_day: str, number: int) -> tuple[Any, ...]:
            return show(words, on_day, number + step)

        return to_page

    @user_errors
    def pick(listed: list[str], event: gr.SelectData) -> tuple[Any, ...]:
        if not 0 <= event.index < len(listed):
            return None, [], None, gr.update(visible=False)
        record = workspace.history.record(listed[event.index])
        return record.path, [str(workspace.history.file(record.path))], record.parameters, gr.update(visible=False)

    def ask(path: str | None) -> tuple[Any, Any]:
        if not path:
            gr.Warning(NOTHING_PICKED)
            return gr.update(visible=False), gr.skip()
        return gr.update(visible=True), page_text(f"Delete **{path}** from the outputs folder?")

    @user_errors
    def do_delete(path: str | None, words: str, on_day: str, number: int) -> tuple[Any, ...]:
        if not path:
            raise InvalidInput(NOTHING_PICKED)
        record = workspace.history.delete(path)
        gr.Info(page_text(f"Deleted {record.name}."))
        return (*show(words, on_day, number), None, [], None, gr.update(visible=False))

    searching = [query, day, page]
    first = [query, day, gr.State(1)]
    query.submit(show, first, listing, **PRIVATE)
    day.select(show, first, listing, **PRIVATE)
    parts.tab_items["history"].select(show, searching, listing, **PRIVATE)
    newer.click(turn(-1), searching, listing, **PRIVATE)
    older.click(turn(+1), searching, listing, **PRIVATE)
    grid.select(pick, paths, picked_outputs, **PRIVATE)
    delete.click(ask, chosen, [confirm_row, doomed], **PRIVATE)
    keep.click(lambda: gr.update(visible=False), None, confirm_row, **PRIVATE)
    confirm.click(do_delete, [chosen, *searching], [*listing, *picked_outputs], **PRIVATE)
    for button, name in ((load, "generate"), (workflow, "workflow")):
        _wire_opener(workspace, parts, button, parts.openers[name], chosen)


def _wire_opener(workspace: Workspace, parts: PageParts, button: gr.Button, opener: Opener, chosen: gr.State) -> None:
    """``button`` opens the chosen output with ``opener``, then shows the opener's tab."""

    @user_errors
    def open_chosen(path: str | None, *values: Any) -> Any:
        if not path:
            raise InvalidInput(NOTHING_PICKED)
        return opener.handler(str(workspace.history.file(path)), *values)

    event = button.click(open_chosen, [chosen, *opener.inputs], opener.outputs, **opener.options)
    event.success(lambda: gr.Tabs(selected=opener.tab), None, parts.tabs, **PRIVATE)


def _caption(record: OutputRecord) -> str:
    text = record.prompt or record.name
    return text if len(text) <= CAPTION_CHARS else text[: CAPTION_CHARS - 1].rstrip() + "…"


def _status(found: HistoryPage, narrowed: bool) -> str:
    if not found.total:
        return "No output matches this search." if narrowed else "No outputs yet: what you make is listed here."
    return f"Page {found.page} of {found.pages} · {found.total:,} output{'s' if found.total != 1 else ''}".replace(
        ",", "\u202f"
    )
