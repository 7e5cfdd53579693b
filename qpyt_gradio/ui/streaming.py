"""Run a model job in a worker thread and stream its events to a Gradio generator handler.

A diffusers or transformers call cannot yield; its callbacks can. The job runs in one thread
(so the registry lock is taken and released by the same thread, and with the caller's
context variables, so Gradio's progress tracking follows it) and emits events into a queue
that the handler turns into page updates. If the handler goes away, the job is told to stop.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from PIL import Image

Result = TypeVar("Result")
Emit = Callable[[object], None]
PREVIEW_INTERVAL_S = 0.4


@dataclass(frozen=True)
class StepEvent:
    """``done`` of ``total`` steps (or tiles: ``unit``), ``elapsed`` seconds since the job's first one,
    ``left`` seconds to go at the pace so far (None until two have been timed); ``made``: when it was
    reported (``time.monotonic``, one clock for the processes of a machine)."""

    done: int
    total: int
    preview: Image.Image | None
    unit: str = "step"
    elapsed: float = 0.0
    left: float | None = None
    made: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class TextEvent:
    """The text written so far by a brick that streams text."""

    text: str


@dataclass(frozen=True)
class NoticeEvent:
    """What a job is doing while it shows no progress, e.g. "preparing background removal: ..."."""

    text: str


@dataclass(frozen=True)
class WaitEvent:
    """A job waiting its turn on the GPU lane, with ``ahead`` jobs to start before it."""

    ahead: int


@dataclass(frozen=True)
class StageEvent:
    """A workflow run starting step ``number`` of ``total``."""

    number: int
    total: int
    brick: str


class QueueReporter:
    """A job's reporter that emits progress, timed, with a preview at most every ``interval`` seconds,
    and text."""

    def __init__(self, emit: Emit, interval: float = PREVIEW_INTERVAL_S) -> None:
        self._emit = emit
        self._interval = interval
        self._last_preview = 0.0
        self._started = time.monotonic()
        self._pace: tuple[float, int] | None = None  # when a run of steps was first reported, and its count

    def step(self, done: int, total: int, preview: Callable[[], Image.Image] | None, unit: str = "step") -> None:
        now = time.monotonic()
        image = None
        if preview is not None and (now - self._last_preview >= self._interval or done == total):
            image = preview()
            self._last_preview = now
        if self._pace is None or done <= self._pace[1]:  # a new run of steps (the next image, workflow step)
            self._pace = (now, done)
        since, first = self._pace
        left = (now - since) / (done - first) * (total - done) if done > first else None
        self._emit(StepEvent(done, total, image, unit, now - self._started, left))

    def text(self, partial: str) -> None:
        self._emit(TextEvent(partial))

    def notice(self, text: str) -> None:
        self._emit(NoticeEvent(text))


_DONE = object()


class BackgroundJob(Generic[Result]):
    """``job(emit)`` running in its own thread; iterate :meth:`events`, then read :attr:`result`."""

    def __init__(self, job: Callable[[Emit], Result], cancel: threading.Event) -> None:
        self._events: queue.Queue[object] = queue.Queue()
        self._cancel = cancel
        self._outcome: tuple[Result | None, BaseException | None] = (None, None)
        self._thread = threading.Thread(
            target=contextvars.copy_context().run, args=(self._work, job), name="qpyt-job", daemon=True
        )
        self._thread.start()

    def _work(self, job: Callable[[Emit], Result]) -> None:
        try:
            self._outcome = (job(self._events.put), None)
        except BaseException as error:  # handed to the caller's thread, which re-raises it
            self._outcome = (None, error)
        self._events.put(_DONE)

    def events(self) -> Iterator[object]:
        """The job's events as they come; re-raises the job's error at the end. Left early, the job is told
        to stop, and leaving waits for it (it stops after its current step)."""
        try:
            while (event := self._events.get()) is not _DONE:
                yield event
        finally:
            if self._thread.is_alive():
                self._cancel.set()
                self._thread.join()
        error = self._outcome[1]
        if error is not None:
            self._outcome = (None, None)
            raise error

    @property
    def result(self) -> Result:
        return self._outcome[0]  # type: ignore[return-value]
