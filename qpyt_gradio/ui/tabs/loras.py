"""The LoRAs & styles tab: the LoRA folder as a searchable table (family, fit with the current model,
rank, size, format, trigger words, preview), Insert into the Generate prompt, Rename and Delete
(confirmed); the styles with the files that could not be read, and Reload."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
from PIL import Image

from qpyt_gradio.errors import UserFacingError
from qpyt_gradio.loras.library import LoraFile
from qpyt_gradio.loras.tags import lora_tag
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.confirm import asking, dismissed
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.prompt_extras import lora_options, style_options
from qpyt_gradio.ui.sidebar import size_text
from qpyt_gradio.workspace import Workspace

HEADERS = ["Name", "Family", "Fits the model", "Rank", "Size", "Format", "Trigger words", "Preview"]
STYLE_HEADERS = ["Style", "Category", "File"]
PREVIEW_SIDE = 512


def lora_rows(workspace: Workspace, model: str, query: str = "") -> list[list[Any]]:
    """One row per LoRA matching ``query`` (name or trigger word), refused files included."""
    family = _family(workspace, model)
    needle = (query or "").strip().lower()
    rows = []
    for item in workspace.loras.files():
        if needle and needle not in item.name.lower() and not any(needle in word.lower() for word in item.triggers):
            continue
        rows.append(
            [
                item.name,
                item.family_label,
                _fits(item, family),
                item.info.rank if item.info else "",
                size_text(item.size),
                item.info.format if item.info else "",
                ", ".join(item.triggers),
                "yes" if item.preview else "",
            ]
        )
    return rows


def _family(workspace: Workspace, model: str) -> str | None:
    try:
        return workspace.catalog.get(model).family
    except UserFacingError:
        return None


def _fits(item: LoraFile, family: str | None) -> str:
    if item.problem:
        return f"refused: {item.problem}"
    return "yes" if family is not None and item.info.family == family else "no"


def build_loras(workspace: Workspace, parts: PageParts) -> None:
    folder = workspace.settings.lora_dir
    gr.Markdown(
        f"LoRAs are the `.safetensors` files of `{folder}` (a same-name `.png`, `.jpg` or `.webp` is the "
        "preview). Pick them under any prompt, or write `<lora:name:0.8>` in it."
    )
    with gr.Row(equal_height=False):
        search = gr.Textbox(label="Search by name or trigger word", scale=4, elem_id="qpyt-loras-search")
        rescan = gr.Button("Rescan the folder", scale=1, min_width=160, elem_id="qpyt-loras-rescan")
    model = parts.sidebar.model
    table = gr.Dataframe(
        lora_rows(workspace, model.value),
        headers=HEADERS,
        interactive=False,
        wrap=True,
        elem_id="qpyt-loras-table",
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=220):
            preview = gr.Image(label="Preview", type="pil", interactive=False, height=260, elem_id="qpyt-loras-preview")
        with gr.Column(scale=2):
            chosen = gr.Dropdown(_names(workspace), value=None, label="LoRA", elem_id="qpyt-loras-chosen")
            details = gr.Markdown(elem_id="qpyt-loras-details")
            with gr.Row():
                insert_triggers = gr.Button("Insert trigger words", size="sm", elem_id="qpyt-loras-insert")
                insert_tag = gr.Button("Insert as <lora:…> tag", size="sm", elem_id="qpyt-loras-tag")
            with gr.Row(equal_height=False):
                new_name = gr.Textbox(label="New name", scale=3, elem_id="qpyt-loras-new-name")
                rename = gr.Button("Rename", scale=1, min_width=100, elem_id="qpyt-loras-rename")
            delete = gr.Button("Delete…", variant="stop", size="sm", elem_id="qpyt-loras-delete")
            with gr.Row(visible=False) as confirm_row:
                confirm = gr.Button("Delete the file for good", variant="stop", elem_id="qpyt-loras-confirm")
                keep = gr.Button("Keep it", elem_id="qpyt-loras-keep")
            doomed = gr.State(None)
    with gr.Accordion("Styles", open=False, elem_id="qpyt-styles-panel"):
        gr.Markdown(
            f"Shipped styles, then yours from `{workspace.settings.styles_dir}` (`.json` like Fooocus' "
            "`sdxl_styles`, or an A1111 `styles.csv`); yours replace shipped ones of the same name."
        )
        problems = gr.Markdown(_style_problems(workspace), elem_id="qpyt-styles-problems")
        styles_table = gr.Dataframe(_style_rows(workspace), headers=STYLE_HEADERS, interactive=False)
        reload_styles = gr.Button("Reload the styles", size="sm", elem_id="qpyt-styles-reload")

    pickers = parts.lora_pickers
    listing = [table, chosen, confirm_row, doomed, *pickers]

    def listed(model_name: str, query: str, name: str | None = None) -> list[Any]:
        """The listing updated, the pick set to ``name`` and a pending Delete… dismissed, all in one update."""
        options = lora_options(workspace)
        return [
            lora_rows(workspace, model_name, query),
            gr.update(choices=_names(workspace), value=name),
            *dismissed(),
            *[gr.update(choices=options) for _ in pickers],
        ]

    @user_errors
    def do_rescan(model_name: str, query: str) -> list[Any]:
        workspace.loras.scan()
        return listed(model_name, query)

    @user_errors
    def do_rename(name: str | None, new: str, model_name: str, query: str) -> list[Any]:
        if not name:
            raise UserFacingError("Pick a LoRA to rename first.")
        renamed = workspace.loras.rename(name, new)
        gr.Info(page_text(f"Renamed {name} to {renamed.name}."))
        return listed(model_name, query, renamed.name)

    @user_errors
    def do_delete(name: str | None, model_name: str, query: str) -> list[Any]:
        if not name:
            raise UserFacingError("Pick a LoRA to delete first.")
        workspace.loras.delete(name)
        gr.Info(page_text(f"Deleted {name}."))
        return listed(model_name, query)

    def select_row(event: gr.SelectData) -> tuple[Any, ...]:
        if not event.row_value:
            return gr.skip(), gr.skip(), gr.skip()
        return event.row_value[0], *dismissed()

    search.change(lambda m, q: lora_rows(workspace, m, q), [model, search], table, show_progress="hidden", **PRIVATE)
    model.change(lambda m, q: lora_rows(workspace, m, q), [model, search], table, show_progress="hidden", **PRIVATE)
    rescan.click(do_rescan, [model, search], listing, **PRIVATE)
    table.select(select_row, None, [chosen, confirm_row, doomed], **PRIVATE)
    chosen.change(_details(workspace), chosen, [details, preview, new_name], **PRIVATE)
    chosen.input(dismissed, None, [confirm_row, doomed], **PRIVATE)  # another pick; the page's own updates dismiss
    rename.click(do_rename, [chosen, new_name, model, search], listing, **PRIVATE)
    delete.click(asking("Pick a LoRA to delete first."), chosen, [confirm_row, doomed], **PRIVATE)
    keep.click(dismissed, None, [confirm_row, doomed], **PRIVATE)
    confirm.click(do_delete, [doomed, model, search], listing, **PRIVATE)
    insert_triggers.click(_insert(workspace, _triggers_of), [parts.prompt, chosen], parts.prompt, **PRIVATE)
    insert_tag.click(
        _insert(workspace, lambda item: lora_tag(item.name, 1.0)), [parts.prompt, chosen], parts.prompt, **PRIVATE
    )

    def do_reload() -> list[Any]:
        workspace.reload_styles()
        options = style_options(workspace)
        return [
            _style_problems(workspace),
            _style_rows(workspace),
            *[gr.update(choices=options) for _ in parts.style_pickers],
        ]

    reload_styles.click(do_reload, None, [problems, styles_table, *parts.style_pickers], **PRIVATE)


def _names(workspace: Workspace) -> list[str]:
    return [item.name for item in workspace.loras.files()]


def _triggers_of(item: LoraFile) -> str:
    if not item.triggers:
        raise UserFacingError(f"{item.name} names no trigger words in its file.")
    return ", ".join(item.triggers)


def _insert(workspace: Workspace, text_of: Any):
    @user_errors
    def insert(prompt: str, name: str | None) -> str:
        if not name:
            raise UserFacingError("Pick a LoRA first.")
        addition = text_of(workspace.loras.get(name))
        gr.Info("Added to the Generate prompt.")
        return f"{prompt.rstrip(', ')}, {addition}" if prompt and prompt.strip() else addition

    return insert


def _details(workspace: Workspace):
    def details(name: str | None) -> tuple[str, Any, str]:
        if not name:
            return "", None, ""
        item = next((each for each in workspace.loras.files() if each.name == name), None)
        if item is None:
            return "This LoRA is no longer in the folder: press Rescan.", None, ""
        lines = [f"**{_escaped(item.name)}** · {item.family_label} · {size_text(item.size)}"]
        if item.info and item.info.title:
            lines.append(f"Title: {_escaped(item.info.title)}")
        if item.triggers:
            lines.append("Trigger words: " + _escaped(", ".join(item.triggers)))
        if item.problem:
            lines.append(f"Refused: {_escaped(item.problem)}")
        return "  \n".join(lines), _preview_image(item), item.name

    return details


def _escaped(text: str) -> str:
    """``text`` shown literally in Markdown (file names and metadata come from outside)."""
    return html.escape(text).replace("*", "\\*").replace("_", "\\_").replace("`", "\\`").replace("[", "\\[")


def _preview_image(item: LoraFile) -> Image.Image | None:
    if item.preview is None:
        return None
    try:
        with Image.open(item.preview) as image:
            image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
            shown = image.convert("RGB")
    except (OSError, Image.DecompressionBombError):
        return None
    shown.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return shown


def _style_rows(workspace: Workspace) -> list[list[str]]:
    return [[style.name, style.category, style.source] for style in workspace.styles.styles.values()]


def _style_problems(workspace: Workspace) -> str:
    problems = workspace.styles.problems
    if not problems:
        return f"{len(workspace.styles.styles)} styles loaded."
    return "**Not loaded:**  \n" + "  \n".join(_escaped(line) for line in problems)
