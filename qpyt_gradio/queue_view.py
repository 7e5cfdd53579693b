"""What the Queue panel shows one session: the jobs on the GPU lane in the order they run, each told as
the session's own or another user's (never whose, nor what it asks for), and which it may cancel."""

from __future__ import annotations

from dataclasses import dataclass

from qpyt_gradio.lane import FairLane, LaneJob

YOURS = "yours"
ANOTHER = "another user's"


@dataclass(frozen=True)
class QueueRow:
    """One job as a session sees it: its ``place`` in running order (1 runs first), ``number`` naming it
    on the lane (kept on the server, never shown), and whether it is the session's own (``yours``)."""

    number: int
    place: int
    label: str
    running: bool
    stopping: bool
    seconds: float
    yours: bool

    @property
    def owner(self) -> str:
        return YOURS if self.yours else ANOTHER

    @property
    def state(self) -> str:
        """The state with its time: "running 12 s", "waiting 1 min 5 s", or "stopping"."""
        if self.stopping:
            return "stopping"
        return f"{'running' if self.running else 'waiting'} {duration(self.seconds)}"

    @property
    def cancellable(self) -> bool:
        return self.yours and not self.stopping

    @property
    def text(self) -> str:
        """The row as Markdown: "**2.** Generate · waiting 5 s · *yours*"."""
        return f"**{self.place}.** {self.label} · {self.state} · *{self.owner}*"


def queue_rows(jobs: list[LaneJob], session: str) -> list[QueueRow]:
    """The lane's ``jobs`` (a :meth:`FairLane.snapshot`) as ``session`` sees them."""
    return [
        QueueRow(job.number, job.ahead + 1, job.label, job.running, job.stopping, job.seconds, job.session == session)
        for job in jobs
    ]


def shown_rows(rows: list[QueueRow], limit: int) -> list[QueueRow]:
    """At most ``limit`` of ``rows``, in order: the session's own all kept (up to ``limit``), then as many of
    the others as there is room for, the first to run first."""
    room = limit - min(sum(row.yours for row in rows), limit)
    kept: list[QueueRow] = []
    for row in rows:
        if row.yours and len(kept) < limit:
            kept.append(row)
        elif not row.yours and room:
            kept.append(row)
            room -= 1
    return kept


def summary(rows: list[QueueRow], shown: int) -> str:
    """One line above the rows: how many run and wait, how many are the session's, how many are not shown."""
    if not rows:
        return "Nothing running or waiting: the next job starts at once."
    waiting = sum(not row.running for row in rows)
    running = len(rows) - waiting
    line = f"{running} running · {waiting} waiting · {sum(row.yours for row in rows)} yours"
    hidden = len(rows) - shown
    return f"{line} · {hidden} more not shown" if hidden else line


def cancel_job(lane: FairLane, session: str, number: int | None) -> str:
    """Cancel the job ``number`` for ``session``; what to tell the user. Another user's job is refused
    (:class:`~qpyt_gradio.errors.InvalidInput`)."""
    job = lane.cancel(session, number) if number is not None else None
    if job is None:
        return "That job is over already."
    if job.running:
        return "Cancelling: the job stops after the current step."
    return f"Cancelled: your {job.label} job left the line."


def duration(seconds: float) -> str:
    """``seconds`` as "8 s", "3 min 5 s" or "1 h 2 min"."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
