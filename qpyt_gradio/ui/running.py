"""What every brick does in the page around its run: read its controls into a request, run it as a
job of the user's session in a worker, stream previews, handle Cancel, show the notes, and record
images in the session gallery."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.contract import Brick, Choices, Holds, Result
from qpyt_gradio.errors import GenerationCancelled
from qpyt_gradio.ui.api import GPU_QUEUE, PRIVATE, session_key
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.ui.forms import BrickForm
from qpyt_gradio.ui.gpu_jobs import Raised, brick_events
from qpyt_gradio.ui.gpu_jobs import workflow_events as gpu_workflow_events
from qpyt_gradio.ui.panels import RESULT_LABEL, ImagesPanel, Panel
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.sidebar import choices_from, memory_panel
from qpyt_gradio.ui.streaming import BackgroundJob, StepEvent, WaitEvent
from qpyt_gradio.workflows.runner import WorkflowCancelled
from qpyt_gradio.workspace import JobFlag, Workspace

HISTORY_LIMIT = 200
WORKFLOW_LABEL = "Workflow"


def named_handler(
    names: Sequence[str],
    body: Callable[..., Iterator[Any]],
    doc: str = "",
    defaults: dict[str, Any] | None = None,
    name: str = "handler",
) -> Callable[..., Any]:
    """A generator handler whose parameters are ``names`` (then the request and a progress tracker),
    as Gradio reads them; ``body(values, request)`` gets the values by name. With ``defaults`` every
    parameter has one, so API clients may leave any out; ``name`` names the MCP tool."""

    def handler(*arguments: Any) -> Iterator[Any]:
        *values, request, _progress = arguments
        yield from body(dict(zip(names, values, strict=True)), request)

    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    empty = inspect.Parameter.empty
    given = defaults is not None
    parameters = [inspect.Parameter(name, positional, default=defaults[name] if given else empty) for name in names]
    parameters += [
        inspect.Parameter("request", positional, annotation=gr.Request, default=None if given else empty),
        inspect.Parameter("progress", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress(track_tqdm=True)),
    ]
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__annotations__ = {"request": gr.Request}
    handler.__doc__ = doc
    handler.__name__ = handler.__qualname__ = name
    return handler


def stream_brick(
    workspace: Workspace, session: str, choices: Choices, brick: Brick, request: Any, panel: Panel
) -> Iterator[tuple[Any, ...]]:
    """Run ``brick`` on ``request`` as a job of ``session``; yield the panel's updates."""
    try:
        with workspace.jobs.running(session) as cancel:
            result = None
            for event in in_lane(
                workspace,
                session,
                brick.label,
                cancel,
                lambda: brick_events(workspace, cancel, choices, brick, request),
            ):
                if isinstance(event, Result):
                    result = event
                elif (update := panel.partial(event)) is not None:
                    yield _single(update)
            assert result is not None, "a job that ends without an error gives its result"
            show = gr.Info if result.holds is Holds.TEXT else gr.Warning
            for note in result.notes:
                show(page_text(note))
            yield _single(panel.final(result))
    except GenerationCancelled as stopped:
        message = cancel.explain(str(stopped))
    else:
        return
    gr.Info(page_text(message))
    yield _single(panel.stopped(message))


def in_lane(
    workspace: Workspace, session: str, label: str, cancel: JobFlag, start: Callable[[], Iterator[object]]
) -> Iterator[object]:
    """Wait for ``session``'s turn on the GPU lane (its place as :class:`WaitEvent`; ``label`` says what the
    job is in the Queue panel), then yield the events of ``start()`` within the job's time limit; the lane
    serves the next job once they end."""
    waiting = BackgroundJob(
        lambda emit: workspace.lane.enter(session, cancel, lambda ahead: emit(WaitEvent(ahead)), label), cancel
    )
    yield from waiting.events()
    ticket = waiting.result
    try:
        with cancel.time_limit(workspace.settings.job_seconds_limit), contextlib.closing(start()) as events:
            yield from until_stopped(events, cancel)
    finally:
        workspace.lane.release(ticket)


def until_stopped(events: Iterator[object], cancel: JobFlag) -> Iterator[object]:
    """The job's ``events``; a :class:`Raised` error raised here.

    Once ``cancel`` is set, a job stops itself after its current step and says so (a workflow with
    the outputs it keeps): the progress it reported before the flag was set is dropped meanwhile. A
    job still reporting steps made after that did not see the flag (on ZeroGPU it stays in this
    process), nor one sending anything else: it is stopped here, and its generator (and process)
    closed by the caller."""
    last: StepEvent | None = None
    for event in events:
        if isinstance(event, Raised):
            raise event.error
        if cancel.is_set():
            if isinstance(event, StepEvent) and cancel.set_at is not None and event.made < cancel.set_at:
                continue
            raise GenerationCancelled(f"Cancelled after step {last.done} of {last.total}." if last else "Cancelled.")
        if isinstance(event, StepEvent):
            last = event
        yield event


def _single(update: tuple[Any, ...]) -> Any:
    """An update as Gradio takes it: the value alone for a single output."""
    return update[0] if len(update) == 1 else update


def wire_brick(
    workspace: Workspace,
    parts: PageParts,
    form: BrickForm,
    trigger: gr.Button,
    panel: Panel,
    progress_on: gr.components.Component | None = None,
) -> Any:
    """Run ``form``'s brick when ``trigger`` is pressed, Gradio's progress shown on ``progress_on`` (default: the
    panel); returns the event (images are recorded in the session gallery by :func:`wire_result`)."""
    names = ["choices", *form.inputs]

    def body(values: dict[str, Any], request: gr.Request) -> Iterator[Any]:
        choices = choices_from(values.pop("choices"), workspace)
        yield from stream_brick(workspace, session_key(request), choices, form.brick, form.request(values), panel)

    handler = user_errors(named_handler(names, body))
    inputs = [parts.choices, *form.inputs.values()]
    return trigger.click(
        handler, inputs, panel.outputs, show_progress="minimal", show_progress_on=progress_on, **GPU_QUEUE, **PRIVATE
    )


def wire_result(workspace: Workspace, parts: PageParts, event: Any, panel: ImagesPanel, summary: gr.Markdown) -> None:
    """After a successful job: summary, session gallery, memory panel."""
    event.success(
        record,
        [panel.gallery, panel.used, parts.history_paths],
        [summary, parts.history, parts.history_paths],
        **PRIVATE,
    ).then(lambda: memory_panel(workspace), None, parts.sidebar.memory_outputs, show_progress="hidden", **PRIVATE)


def wire_cancel(workspace: Workspace, button: gr.Button) -> None:
    """``button`` stops this session's running jobs after their current step."""

    def stop(request: gr.Request) -> None:
        if workspace.jobs.cancel(session_key(request)):
            gr.Info("Cancelling: the job stops after the current step.")

    button.click(stop, None, None, concurrency_limit=None, show_progress="hidden", **PRIVATE)  # queued: toasts show


def cancel_button(key: str) -> gr.Button:
    """A compact Cancel button, disabled until a job runs (see :func:`cancel_while_running`)."""
    return gr.Button("Cancel", variant="stop", scale=0, min_width=100, interactive=False, elem_id=f"qpyt-{key}-cancel")


def cancel_while_running(trigger: gr.Button, cancel: gr.Button, wire_run: Callable[[], Any]) -> Any:
    """Wire a run with ``wire_run()`` (which returns its event) so that ``cancel`` can be pressed from when
    ``trigger`` starts it until it ends, however it ends; returns the run event.

    The page runs the events of one click one after the other, each to its end: ``cancel`` is enabled by
    the event wired first."""
    trigger.click(lambda: gr.update(interactive=True), None, cancel, queue=False, **PRIVATE)
    event = wire_run()
    event.then(lambda: gr.update(interactive=False), None, cancel, queue=False, **PRIVATE)
    return event


def record(
    images: list[tuple[str, str | None]] | None, parameters: dict[str, Any] | None, past: list[str]
) -> tuple[Any, Any, Any]:
    """After a finished job: its summary line, and its images at the front of the session gallery."""
    if not parameters or "files" not in parameters:
        return gr.skip(), gr.skip(), gr.skip()
    past = in_history(images, past)
    return summary_line(parameters), past, past


def in_history(images: list[tuple[str, str | None]] | None, past: list[str]) -> list[str]:
    """The session gallery's paths with a gallery's ``images`` at the front."""
    return ([path for path, _caption in images or []] + list(past))[:HISTORY_LIMIT]


def summary_line(parameters: dict[str, Any]) -> str:
    """ "**Seed 42** · 1024×1024 · 30 steps · model", with whatever of it the result has."""
    pieces = []
    seeds = parameters.get("seeds") or []
    if seeds:
        pieces.append(f"**Seed {seeds[0]}**" if len(seeds) == 1 else f"**Seeds {seeds[0]}–{seeds[-1]}**")
    if "width" in parameters and "height" in parameters:
        pieces.append(f"{parameters['width']}×{parameters['height']}")
    if "steps" in parameters:
        pieces.append(f"{parameters['steps']} steps")
    pieces.append(str(parameters.get("model") or parameters.get("brick", "")))
    return " · ".join(pieces)


@dataclass(frozen=True)
class ResultArea:
    """Run, Cancel and "Add to workflow" buttons, the result gallery, its summary line."""

    run: gr.Button
    cancel: gr.Button
    add: gr.Button
    panel: ImagesPanel
    summary: gr.Markdown


def result_area(run_label: str, key: str) -> ResultArea:
    """The buttons, the result gallery, its summary line and the parameters used, laid out."""
    with gr.Row():
        run = gr.Button(run_label, variant="primary", scale=2, elem_id=f"qpyt-{key}-run")
        cancel = cancel_button(key)
    add = gr.Button("Add to workflow", size="sm", elem_id=f"qpyt-{key}-add")
    gallery = gr.Gallery(
        label=RESULT_LABEL,
        format="png",
        type="filepath",
        columns=2,
        height=480,
        interactive=False,
        elem_id=f"qpyt-{key}-result",
    )
    summary = gr.Markdown(elem_id=f"qpyt-{key}-summary")
    with gr.Accordion("Parameters used", open=False):
        used = gr.JSON(elem_id=f"qpyt-{key}-parameters")
    return ResultArea(run, cancel, add, ImagesPanel(gallery, used), summary)


def wire_area_job(workspace: Workspace, parts: PageParts, form: BrickForm, trigger: gr.Button, area: ResultArea) -> Any:
    """Run ``form``'s brick from ``trigger`` into ``area``, recorded; the area's Cancel can be pressed while
    the job waits or runs. Returns the run event."""
    event = cancel_while_running(
        trigger, area.cancel, lambda: wire_brick(workspace, parts, form, trigger, area.panel, area.summary)
    )
    wire_result(workspace, parts, event, area.panel, area.summary)
    return event


def wire_image_brick(workspace: Workspace, parts: PageParts, form: BrickForm, area: ResultArea) -> Any:
    """Run, record, cancel and add-to-workflow for a brick that gives images; returns the run event."""
    from qpyt_gradio.ui.workflow_draft import add_to_workflow_button

    event = wire_area_job(workspace, parts, form, area.run, area)
    wire_cancel(workspace, area.cancel)
    add_to_workflow_button(parts, form, area.add)
    return event


def workflow_events(
    workspace: Workspace, session: str, choices: Choices, workflow: Any, given: Any
) -> Iterator[object]:
    """Run ``workflow`` as a job of ``session``: yields each step's start (a :class:`StageEvent`), its
    progress events, then the :class:`WorkflowRun`."""
    with workspace.jobs.running(session) as cancel:
        try:
            yield from in_lane(
                workspace,
                session,
                WORKFLOW_LABEL,
                cancel,
                lambda: gpu_workflow_events(workspace, cancel, choices, workflow, given),
            )
        except GenerationCancelled as stopped:  # the run's own report keeps its outputs; a stop here, none
            if isinstance(stopped, WorkflowCancelled) and not cancel.expired:
                raise
            kept = stopped.kept if isinstance(stopped, WorkflowCancelled) else ()
            explained = WorkflowCancelled(cancel.explain(str(stopped)), kept)
        else:
            return
    raise explained
