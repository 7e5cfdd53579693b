"""What every image brick does around its job: run it in a worker, stream previews, handle Cancel,
show the notes, and record the result in the session gallery and the result panel."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from qpyt_gradio.errors import GenerationCancelled
from qpyt_gradio.generation.streaming import BackgroundJob, QueueReporter, StepEvent
from qpyt_gradio.spaces_gpu import on_gpu
from qpyt_gradio.ui.api import session_key
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.sidebar import memory_panel
from qpyt_gradio.workspace import AppContext

HISTORY_LIMIT = 200
PRIVATE = {"api_visibility": "private"}
Work = Callable[[QueueReporter, threading.Event], Any]


@on_gpu
def stream_result(ctx: AppContext, session: str, work: Work, asked: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """Run ``work`` in a worker; yield (gallery, parameters): previews, then the saved images.

    ``work(reporter, cancel)`` returns a :class:`GenerationResult`; ``asked`` is what the
    parameters panel shows if the job is cancelled.
    """
    try:
        with ctx.jobs.running(session) as cancel:
            running = BackgroundJob(lambda emit: work(QueueReporter(emit), cancel), cancel)
            for event in running.events():
                if isinstance(event, StepEvent) and event.preview is not None:
                    yield [event.preview], gr.skip()
            result = running.result
            for note in result.parameters.get("notes", []):
                gr.Warning(note)
            yield [str(path) for path in result.paths], result.parameters
    except GenerationCancelled as stopped:
        message = str(stopped)
    else:
        return
    # Reported outside the handler: the exception's frames hold the sampling tensors.
    gr.Info(message)
    yield gr.skip(), {**asked, "cancelled": True, "message": message}


def wire_result(
    ctx: AppContext,
    parts: PageParts,
    event: Any,
    gallery: gr.Gallery,
    used: gr.JSON,
    summary: gr.Markdown,
    cancel: gr.Button | None,
) -> None:
    """After a successful job: summary, session gallery, memory panel. ``cancel`` (when given) stops
    this session's jobs."""
    event.success(
        record, [gallery, used, parts.history_paths], [summary, parts.history, parts.history_paths], **PRIVATE
    ).then(lambda: memory_panel(ctx), None, parts.sidebar.memory_outputs, show_progress="hidden", **PRIVATE)
    if cancel is None:
        return

    def stop(request: gr.Request) -> None:
        if ctx.jobs.cancel(session_key(request)):
            gr.Info("Cancelling: the job stops after the current step.")

    cancel.click(stop, None, None, queue=False, **PRIVATE)


def record(
    images: list[tuple[str, str | None]] | None, parameters: dict[str, Any] | None, past: list[str]
) -> tuple[Any, Any, Any]:
    """After a finished job: its summary line, and its images at the front of the session gallery."""
    if not parameters or "files" not in parameters:
        return gr.skip(), gr.skip(), gr.skip()
    recent = [path for path, _caption in images or []]
    past = (recent + list(past))[:HISTORY_LIMIT]
    return summary_line(parameters), past, past


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


def result_panel(run_label: str, key: str) -> tuple[gr.Button, gr.Button, gr.Gallery, gr.Markdown, gr.JSON]:
    """Run and Cancel buttons, the result gallery, its summary line and the parameters used."""
    with gr.Row():
        run = gr.Button(run_label, variant="primary", elem_id=f"qpyt-{key}-run")
        cancel = gr.Button("Cancel", variant="stop", elem_id=f"qpyt-{key}-cancel")
    gallery = gr.Gallery(
        label="Result",
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
    return run, cancel, gallery, summary, used
