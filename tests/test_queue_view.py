"""What the Queue panel shows a session: its own jobs and other users' told apart, never whose; what it may cancel."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.lane import FairLane, LaneJob
from qpyt_gradio.queue_view import QueueRow, cancel_job, duration, queue_rows, shown_rows, summary


def lane_job(number: int, session: str, ahead: int, running: bool = False) -> LaneJob:
    return LaneJob(number, session, "Generate", running, ahead, 5.0, False)


def test_rows_say_yours_or_another_user_s_and_only_the_session_s_own_can_be_cancelled():
    jobs = [lane_job(1, "secret-alice", 0, running=True), lane_job(2, "bob", 1), lane_job(3, "bob", 2)]
    rows = queue_rows(jobs, "bob")
    assert [row.text for row in rows] == [
        "**1.** Generate · running 5 s · *another user's*",
        "**2.** Generate · waiting 5 s · *yours*",
        "**3.** Generate · waiting 5 s · *yours*",
    ]
    assert [row.cancellable for row in rows] == [False, True, True]
    assert summary(rows, 3) == "1 running · 2 waiting · 2 yours"
    assert summary([], 0) == "Nothing running or waiting: the next job starts at once."


def test_a_stopping_job_says_so_and_cannot_be_cancelled_twice():
    (row,) = queue_rows([LaneJob(1, "bob", "Workflow", True, 0, 75.0, True)], "bob")
    assert row.text == "**1.** Workflow · stopping · *yours*" and not row.cancellable


def test_a_long_line_keeps_the_session_s_own_jobs_shown():
    jobs = [lane_job(number, "other", number - 1, running=number == 1) for number in range(1, 11)]
    jobs += [lane_job(11, "bob", 10), lane_job(12, "bob", 11)]
    kept = shown_rows(queue_rows(jobs, "bob"), 5)
    assert [row.number for row in kept] == [1, 2, 3, 11, 12]
    assert summary(queue_rows(jobs, "bob"), len(kept)).endswith("· 7 more not shown")


def test_durations_read_naturally():
    assert [duration(seconds) for seconds in (0.4, 59.9, 65, 3725)] == ["0 s", "59 s", "1 min 5 s", "1 h 2 min"]


def test_cancelling_from_the_panel_tells_what_happened_and_refuses_another_user_s_job():
    lane = FairLane()
    release = threading.Event()
    flags = {name: threading.Event() for name in ("alice", "bob")}

    def hold(session: str, label: str) -> None:
        with contextlib.suppress(GenerationCancelled), lane.turn(session, flags[session], None, label):
            release.wait(10)

    threads = [threading.Thread(target=hold, args=pair) for pair in (("alice", "Generate"), ("bob", "Upscale"))]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    rows: list[QueueRow] = queue_rows(lane.snapshot(), "bob")
    running, waiting = rows
    with pytest.raises(InvalidInput, match="another user's"):
        cancel_job(lane, "bob", running.number)
    assert cancel_job(lane, "bob", waiting.number) == "Cancelled: your Upscale job left the line."
    assert cancel_job(lane, "bob", waiting.number) == "That job is over already."
    assert cancel_job(lane, "alice", running.number) == "Cancelling: the job stops after the current step."
    assert flags["alice"].is_set() and cancel_job(lane, "alice", None) == "That job is over already."
    release.set()
    for thread in threads:
        thread.join(10)
