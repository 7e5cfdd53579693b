"""Run a job in a worker thread and stream its progress to a Gradio generator handler.

A diffusers call cannot yield; its step callback can. The job runs in one thread (with the
caller's context variables, so Gradio's progress tracking follows it) and puts events in a
queue that the handler turns into page updates. If the handler goes away, the job is told
to stop at its next step.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from PIL import Image

Result = TypeVar("Result")
PREVIEW_INTERVAL_S = 0.4


@dataclass(frozen=True)
class StepEvent:
    done: int
    total: int
    preview: Image.Image | None


@dataclass(frozen=True)
class _Finished(Generic[Result]):
    value: Result


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class QueueReporter:
    """A step reporter that forwards progress, with a preview at most every ``interval`` seconds."""

    def __init__(self, events: queue.Queue[object], interval: float = PREVIEW_INTERVAL_S) -> None:
        self._events = events
        self._interval = interval
        self._last_preview = 0.0

    def step(self, done: int, total: int, preview: Callable[[], Image.Image] | None) -> None:
        image = None
        now = time.monotonic()
        if preview is not None and (now - self._last_preview >= self._interval or done == total):
            image = preview()
            self._last_preview = now
        self._events.put(StepEvent(done, total, image))


def stream(job: Callable[[QueueReporter], Result], cancel: threading.Event) -> Iterator[StepEvent | Result]:
    """Yield the job's :class:`StepEvent` s, then its result; re-raise its error in the caller."""
    events: queue.Queue[object] = queue.Queue()
    reporter = QueueReporter(events)

    def work() -> None:
        try:
            events.put(_Finished(job(reporter)))
        except BaseException as error:  # handed to the caller's thread, which re-raises it
            events.put(_Failed(error))

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(work,), name="qpyt-job", daemon=True)
    thread.start()
    try:
        while True:
            event = events.get()
            if isinstance(event, _Finished):
                yield event.value
                return
            if isinstance(event, _Failed):
                error = event.error
                del event
                raise error
            yield event
    finally:
        if thread.is_alive():
            cancel.set()
