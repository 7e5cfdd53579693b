"""The one GPU lane, shared fairly: sessions take turns, and each may keep only a few jobs waiting.

Gradio's queue is first come, first served: five images asked for by one user would all run
before a second user's single one. Here jobs wait in one line per session, and the lane next
serves the session it served least recently, so a newcomer's job goes right after the one
running, and a job waits for at most one job of each other session that is waiting too. A
session with :data:`MAX_WAITING` jobs waiting is told to wait for them; a waiting job whose
Cancel is pressed leaves the line; a waiting job is told its place. A snapshot lists the jobs in the
order they run; a session may cancel its own jobs one by one, never another's.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from qpyt_gradio.errors import GenerationCancelled, InvalidInput

MAX_WAITING = 4
MAX_REMEMBERED = 10_000
POLL_S = 0.25


@dataclass(eq=False)
class Ticket:
    """One job on the lane: its session, cancel flag, number (in joining order), what it is, and when it
    joined and started (monotonic seconds)."""

    session: str
    cancel: threading.Event = field(default_factory=threading.Event)
    number: int = 0
    label: str = "Job"
    joined: float = field(default_factory=time.monotonic)
    started: float | None = None


@dataclass(frozen=True)
class LaneJob:
    """A job as a snapshot of the lane saw it: ``running``, or waiting with ``ahead`` jobs to start before it;
    the ``seconds`` it has run (or waited); ``stopping`` once it is cancelled."""

    number: int
    session: str
    label: str
    running: bool
    ahead: int
    seconds: float
    stopping: bool


class FairLane:
    """One job at a time; the least recently served session next; at most ``max_waiting`` jobs waiting
    per session."""

    def __init__(self, max_waiting: int = MAX_WAITING) -> None:
        self.max_waiting = max_waiting
        self._changed = threading.Condition()
        self._lines: dict[str, deque[Ticket]] = {}
        self._served: dict[str, int] = {}
        self._count = itertools.count(1)
        self._starts = itertools.count(1)
        self._running: Ticket | None = None

    @contextlib.contextmanager
    def turn(
        self,
        session: str,
        cancel: threading.Event,
        waiting: Callable[[int], None] | None = None,
        label: str = "Job",
    ) -> Iterator[None]:
        """Hold the lane for one job of ``session`` while the block runs (see :meth:`enter`)."""
        ticket = self.enter(session, cancel, waiting, label)
        try:
            yield
        finally:
            self.release(ticket)

    def enter(
        self,
        session: str,
        cancel: threading.Event,
        waiting: Callable[[int], None] | None = None,
        label: str = "Job",
    ) -> Ticket:
        """Wait in line for one job of ``session``, called ``label`` (``waiting(jobs ahead)`` when the place
        changes; the line is left on ``cancel``), then hold the lane until :meth:`release`."""
        ticket = self._join(session, cancel, label)
        try:
            self._wait(ticket, waiting)
        except GenerationCancelled:
            self._leave(ticket)
            raise
        return ticket

    def release(self, ticket: Ticket) -> None:
        """The job of ``ticket`` is over: the lane serves the next one."""
        with self._changed:
            if self._running is ticket:
                self._running = None
            self._changed.notify_all()

    def waiting(self, session: str | None = None) -> int:
        """Jobs waiting (of ``session``, or of everyone)."""
        with self._changed:
            if session is not None:
                return len(self._lines.get(session, ()))
            return sum(len(line) for line in self._lines.values())

    def snapshot(self) -> list[LaneJob]:
        """The running job, then the waiting ones in the order they will start (if no other joins)."""
        with self._changed:
            running = [self._running] if self._running is not None else []
            return [self._seen(ticket, ahead) for ahead, ticket in enumerate([*running, *self._in_order()])]

    def cancel(self, session: str, number: int) -> LaneJob | None:
        """Cancel job ``number`` of ``session``: a waiting job leaves the line, the running one is flagged to
        stop after its current step, as by its Cancel button. Returns the job as it was (None: it is on the
        lane no more); another session's job is refused."""
        with self._changed:
            ticket = self._find(number)
            if ticket is None:
                return None
            if ticket.session != session:
                raise InvalidInput("That job is another user's: only the one who started it can cancel it.")
            seen = self._seen(ticket, 0 if ticket is self._running else self._ahead(ticket))
            ticket.cancel.set()
            if ticket is not self._running:
                self._remove(ticket)
            self._changed.notify_all()
            return seen

    def _find(self, number: int) -> Ticket | None:
        running = [self._running] if self._running is not None else []
        tickets = itertools.chain(running, *self._lines.values())
        return next((ticket for ticket in tickets if ticket.number == number), None)

    def _seen(self, ticket: Ticket, ahead: int) -> LaneJob:
        running = ticket is self._running
        since = ticket.started if running and ticket.started is not None else ticket.joined
        return LaneJob(
            ticket.number,
            ticket.session,
            ticket.label,
            running,
            ahead,
            time.monotonic() - since,
            ticket.cancel.is_set(),
        )

    def _join(self, session: str, cancel: threading.Event, label: str) -> Ticket:
        with self._changed:
            line = self._lines.setdefault(session, deque())
            if len(line) >= self.max_waiting:
                raise InvalidInput(
                    f"You have {len(line)} jobs waiting already, the most one person may have: wait for one to "
                    "start, or Cancel them."
                )
            ticket = Ticket(session, cancel, next(self._count), label)
            line.append(ticket)
            return ticket

    def _wait(self, ticket: Ticket, waiting: Callable[[int], None] | None) -> None:
        told = None
        with self._changed:
            while not (self._running is None and self._next() is ticket):
                if ticket.cancel.is_set():
                    raise GenerationCancelled("Cancelled while it was waiting its turn.")
                ahead = self._ahead(ticket)
                if waiting is not None and ahead != told:
                    told = ahead
                    waiting(ahead)
                self._changed.wait(POLL_S)
            self._start(ticket)

    def _next(self) -> Ticket | None:
        return _first(self._lines, self._served)

    def _start(self, ticket: Ticket) -> None:
        """``ticket`` runs; its session is now the most recently served."""
        self._running = ticket
        ticket.started = time.monotonic()
        self._lines[ticket.session].popleft()
        if not self._lines[ticket.session]:
            del self._lines[ticket.session]
        self._served.pop(ticket.session, None)
        self._served[ticket.session] = next(self._starts)
        while len(self._served) > MAX_REMEMBERED:
            del self._served[next(iter(self._served))]  # the least recently served go first

    def _leave(self, ticket: Ticket) -> None:
        with self._changed:
            self._remove(ticket)
            self._changed.notify_all()

    def _remove(self, ticket: Ticket) -> None:
        line = self._lines.get(ticket.session)
        if line is not None and ticket in line:
            line.remove(ticket)
            if not line:
                del self._lines[ticket.session]

    def _ahead(self, ticket: Ticket) -> int:
        """Jobs that will start before ``ticket``: the running one, then the others in the lane's order."""
        ahead = 1 if self._running is not None else 0
        for waiting in self._in_order():
            if waiting is ticket:
                break
            ahead += 1
        return ahead

    def _in_order(self) -> Iterator[Ticket]:
        """The waiting jobs in the order the lane will start them, worked out on copies of the lines."""
        lines = {session: deque(line) for session, line in self._lines.items()}
        served = dict(self._served)
        starts = itertools.count(max(served.values(), default=0) + 1)
        while (first := _first(lines, served)) is not None:
            yield first
            lines[first.session].popleft()
            if not lines[first.session]:
                del lines[first.session]
            served[first.session] = next(starts)


def _first(lines: dict[str, deque[Ticket]], served: dict[str, int]) -> Ticket | None:
    """The job to start next: the head of the line of the session served least recently (never served
    first), the earlier job first between equals."""
    heads = [line[0] for line in lines.values() if line]
    return min(heads, key=lambda ticket: (served.get(ticket.session, 0), ticket.number), default=None)
