"""The Workflow tab: compose a chain of bricks, run it with progress per step, save and load it.

Saved workflows live in ``workflows/``; the presets shipped in ``presets/`` are read-only (after
loading one, Save keeps a copy under a name in ``workflows/``). A workflow file, or an output of
this app, dropped on the tab restores its chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.contract import Choices, Holds
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.confirm import asking, dismissed
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.ui.panels import progress_text
from qpyt_gradio.ui.parts import Opener, PageParts
from qpyt_gradio.ui.running import cancel_button, in_history, wire_cancel, workflow_events
from qpyt_gradio.ui.streaming import StageEvent, StepEvent, WaitEvent
from qpyt_gradio.ui.tabs.workflow_steps import StepActions, StepsView
from qpyt_gradio.ui.workflow_draft import EDITS, Draft, append_step, from_document
from qpyt_gradio.workflows.document import Workflow, read_workflow
from qpyt_gradio.workflows.embedded import workflow_in_file
from qpyt_gradio.workflows.plan import GivenFiles
from qpyt_gradio.workflows.runner import StepOutcome, WorkflowCancelled, WorkflowFailed, WorkflowRun
from qpyt_gradio.workflows.store import WorkflowFolder
from qpyt_gradio.workspace import Workspace

NOTHING_TO_DELETE = "Pick the saved workflow to delete first."


def build_workflow(workspace: Workspace, parts: PageParts) -> None:
    saved = WorkflowFolder(workspace.settings.workflows_dir)
    presets = WorkflowFolder(workspace.settings.presets_dir, read_only=True)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row():
                picked = gr.Dropdown(
                    [(brick.label, name) for name, brick in BRICKS.items()],
                    value="generate",
                    label="Add a step",
                    scale=3,
                    elem_id="qpyt-workflow-brick",
                )
                with gr.Column(scale=1, min_width=120):
                    add = gr.Button("Add step", elem_id="qpyt-workflow-add")
            with gr.Column(elem_id="qpyt-workflow-steps"):
                steps = StepsView(workspace, parts)
            given = gr.File(
                label="Input images (for a first step that takes one, or steps that name a file)",
                file_count="multiple",
                file_types=["image"],
                type="filepath",
                interactive=True,
                elem_id="qpyt-workflow-inputs",
            )
            with gr.Row():
                run = gr.Button("Run the workflow", variant="primary", scale=2, elem_id="qpyt-workflow-run")
                cancel = cancel_button("workflow")
        with gr.Column(scale=2):
            status = gr.Markdown("Add steps, or load a preset.", elem_id="qpyt-workflow-status")
            gallery = gr.Gallery(
                label="Outputs",
                format="png",
                type="filepath",
                columns=3,
                height=300,
                interactive=False,
                elem_id="qpyt-workflow-result",
            )
            texts = gr.Textbox(label="Texts", lines=2, interactive=False, elem_id="qpyt-workflow-texts")
            files = gr.File(label="Files", file_count="multiple", interactive=False, elem_id="qpyt-workflow-files")
            with gr.Accordion("Parameters used", open=False):
                used = gr.JSON(elem_id="qpyt-workflow-parameters")
            with gr.Accordion("Save and load", open=True):
                with gr.Row():
                    name = gr.Textbox(label="Name", scale=3, interactive=True, elem_id="qpyt-workflow-name")
                    overwrite = gr.Checkbox(False, label="Overwrite", scale=1, min_width=110, interactive=True)
                description = gr.Textbox(
                    label="Description (one line)", interactive=True, elem_id="qpyt-workflow-description"
                )
                save = gr.Button("Save", size="sm", elem_id="qpyt-workflow-save")
                mine = gr.Dropdown(saved.names(), value=None, label="Saved workflows", elem_id="qpyt-workflow-saved")
                with gr.Row():
                    load = gr.Button("Load", size="sm", elem_id="qpyt-workflow-load")
                    delete = gr.Button("Delete…", size="sm", variant="stop", elem_id="qpyt-workflow-delete")
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button(
                        "Delete it for good", size="sm", variant="stop", elem_id="qpyt-workflow-confirm"
                    )
                    keep = gr.Button("Keep it", size="sm", elem_id="qpyt-workflow-keep")
                doomed = gr.State(None)
                with gr.Row():
                    new_name = gr.Textbox(label="Rename to", scale=3, elem_id="qpyt-workflow-new-name")
                    with gr.Column(scale=1, min_width=100):
                        rename = gr.Button("Rename", size="sm", elem_id="qpyt-workflow-rename")
                preset = gr.Dropdown(
                    [(f"{item.name} — {item.description}", item.name) for item in presets.listed()],
                    value=None,
                    label="Presets (read-only: Save keeps a copy in your workflows)",
                    elem_id="qpyt-workflow-preset",
                )
                load_preset = gr.Button("Load the preset", size="sm", elem_id="qpyt-workflow-load-preset")
                opened = gr.UploadButton(
                    "Open a workflow (.json) or an output of this app (.png, .svg)",
                    file_types=[".json", ".png", ".svg"],
                    type="filepath",
                    size="sm",
                    elem_id="qpyt-workflow-open",
                )

    def after_run(event: Any) -> None:
        event.success(_into_history, [gallery, parts.history_paths], [parts.history, parts.history_paths], **PRIVATE)

    steps.wire(
        StepActions(
            run,
            cancel,
            save,
            [status, gallery, files, texts, used],
            given,
            name,
            description,
            overwrite,
            mine,
            saved,
            stream_run,
            after_run,
        )
    )
    draft, layout = parts.draft, parts.draft_layout
    shown = [draft, layout, name, description]

    def showing(document: Any, label: str, current: Draft | None, version: int) -> tuple[Any, ...]:
        workflow = read_workflow(document, workspace.limits)
        loaded = from_document(workflow.to_json(), label, start=(current or {}).get("next_id", 1))
        gr.Info(page_text(f"Loaded {label or workflow.name}: {len(workflow.steps)} step(s)."))
        return loaded, version + 1, loaded["name"], loaded["description"]

    def loader(folder: WorkflowFolder, missing: str) -> Any:
        @user_errors
        def load_named(chosen: str | None, current: Draft | None, version: int) -> tuple[Any, ...]:
            if not chosen:
                raise InvalidInput(missing)
            return showing(folder.load(chosen), chosen, current, version)

        return load_named

    @user_errors
    def open_file(path: str | None, current: Draft | None, version: int) -> tuple[Any, ...]:
        if not path:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return showing(workflow_in_file(Path(path)), "", current, version)

    @user_errors
    def rename_saved(chosen: str | None, target: str) -> tuple[Any, ...]:
        if not chosen:
            raise InvalidInput("Pick the saved workflow to rename first.")
        path = saved.rename(chosen, target)
        gr.Info(page_text(f"Renamed {chosen} to {path.stem}."))
        return gr.update(choices=saved.names(), value=path.stem), *dismissed()

    @user_errors
    def delete_saved(chosen: str | None) -> tuple[Any, ...]:
        if not chosen:
            raise InvalidInput(NOTHING_TO_DELETE)
        saved.delete(chosen)
        gr.Info(page_text(f"Deleted {chosen}."))
        return gr.update(choices=saved.names(), value=None), *dismissed()

    def add_step(current: Draft | None, version: int, brick: str) -> tuple[Draft, int]:
        return append_step(current, brick, {}), version + 1

    add.click(add_step, [draft, layout, picked], [draft, layout], **EDITS)
    load.click(loader(saved, "Pick a saved workflow first."), [mine, draft, layout], shown, **EDITS)
    load_preset.click(loader(presets, "Pick a preset first."), [preset, draft, layout], shown, **EDITS)
    opened.upload(open_file, [opened, draft, layout], shown, **EDITS)
    parts.openers["workflow"] = Opener("workflow", open_file, [draft, layout], shown, EDITS)
    rename.click(rename_saved, [mine, new_name], [mine, confirm_row, doomed], **PRIVATE)
    delete.click(asking(NOTHING_TO_DELETE), mine, [confirm_row, doomed], **PRIVATE)
    keep.click(dismissed, None, [confirm_row, doomed], **PRIVATE)
    mine.input(dismissed, None, [confirm_row, doomed], **PRIVATE)  # another pick; the page's own updates dismiss
    confirm.click(delete_saved, doomed, [mine, confirm_row, doomed], **PRIVATE)
    wire_cancel(workspace, cancel)


def _into_history(images: list[tuple[str, str | None]] | None, past: list[str]) -> tuple[Any, Any]:
    """A finished run's images at the front of the session gallery."""
    past = in_history(images, past)
    return past, past


def outputs_of(outcomes: tuple[StepOutcome, ...]) -> tuple[list[str], list[str], str]:
    """The images, every file, and the texts of finished steps."""
    images = [
        str(path) for outcome in outcomes if outcome.result.holds is Holds.IMAGES for path in outcome.result.paths
    ]
    files = [str(path) for outcome in outcomes for path in outcome.result.paths]
    texts = [
        f"Step {outcome.number}: {outcome.result.text}" for outcome in outcomes if outcome.result.holds is Holds.TEXT
    ]
    return images, files, "\n\n".join(texts)


def stream_run(
    workspace: Workspace, session: str, choices: Choices, workflow: Workflow, given: GivenFiles
) -> Iterator[tuple[Any, ...]]:
    """The tab's updates while a workflow runs: the step under way and its previews, then every output.

    When a step fails, the outputs of the steps before it are shown, and then the message."""
    skip = gr.skip()
    stage = ""
    stopped: WorkflowFailed | WorkflowCancelled | None = None
    try:
        for event in workflow_events(workspace, session, choices, workflow, given):
            if isinstance(event, StageEvent):
                stage = f"**Step {event.number} of {event.total}** · {event.brick}"
                yield stage, skip, skip, skip, skip
            elif isinstance(event, WaitEvent):
                yield f"**Waiting** for the GPU: {event.ahead} job(s) to go before this run.", skip, skip, skip, skip
            elif isinstance(event, StepEvent):
                preview = [event.preview] if event.preview is not None else skip
                yield f"{stage} · {progress_text(event)}", preview, skip, skip, skip
            elif isinstance(event, WorkflowRun):
                for note in event.all_notes:
                    gr.Warning(page_text(note))
                images, files, texts = outputs_of(event.outcomes)
                last = f", the last {Path(files[-1]).name}" if files else ""
                done = f"**Done**: {len(event.outcomes)} step(s), {len(files)} file(s){last}."
                yield done, images, files, texts, event.summary()
    except (WorkflowFailed, WorkflowCancelled) as problem:
        stopped = problem
    if stopped is None:
        return
    images, files, texts = outputs_of(stopped.kept)
    yield f"**Stopped.** {stopped}", images, files, texts, skip
    if isinstance(stopped, WorkflowFailed):
        raise stopped
    gr.Info(page_text(str(stopped)))
