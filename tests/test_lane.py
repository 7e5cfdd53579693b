"""The fair GPU lane: sessions served least recently first, a few jobs waiting per session, Cancel, places."""

from __future__ import annotations

import threading
import time

import pytest

from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.lane import FairLane


class Jobs:
    """Jobs that hold the lane until released, started in threads; records the order they start in."""

    def __init__(self, lane: FairLane) -> None:
        self.lane = lane
        self.started: list[str] = []
        self.places: dict[str, list[int]] = {}
        self.errors: dict[str, Exception] = {}
        self.release: dict[str, threading.Event] = {}
        self.cancel: dict[str, threading.Event] = {}
        self.threads: list[threading.Thread] = []

    def submit(self, session: str, name: str) -> None:
        self.release[name], self.cancel[name] = threading.Event(), threading.Event()
        self.places[name] = []

        def job() -> None:
            try:
                with self.lane.turn(session, self.cancel[name], self.places[name].append):
                    self.started.append(name)
                    self.release[name].wait(10)
            except (InvalidInput, GenerationCancelled) as error:
                self.errors[name] = error

        thread = threading.Thread(target=job, daemon=True)
        thread.start()
        self.threads.append(thread)
        time.sleep(0.1)  # joins in order

    def finish(self, name: str) -> None:
        self.release[name].set()
        time.sleep(0.4)

    def wait(self) -> None:
        for name in self.release:
            self.release[name].set()
        for thread in self.threads:
            thread.join(10)


def test_a_second_session_s_job_runs_right_after_the_running_one():
    jobs = Jobs(FairLane())
    for name in ("a1", "a2", "a3", "a4"):
        jobs.submit("alice", name)
    jobs.submit("bob", "b1")
    assert jobs.started == ["a1"]
    assert jobs.places["b1"][-1] == 1 and jobs.places["a4"][-1] == 3
    jobs.finish("a1")
    assert jobs.started == ["a1", "b1"]
    jobs.wait()
    assert jobs.started == ["a1", "b1", "a2", "a3", "a4"]


def test_two_sessions_alternate():
    jobs = Jobs(FairLane())
    jobs.submit("alice", "a1")
    for index in (2, 3):
        jobs.submit("alice", f"a{index}")
    for index in (1, 2):
        jobs.submit("bob", f"b{index}")
    jobs.wait()
    assert jobs.started == ["a1", "b1", "a2", "b2", "a3"]


def test_a_session_may_keep_only_a_few_jobs_waiting():
    jobs = Jobs(FairLane(max_waiting=2))
    for name in ("a1", "a2", "a3", "a4"):
        jobs.submit("alice", name)
    assert "You have 2 jobs waiting already" in str(jobs.errors["a4"])
    jobs.submit("bob", "b1")
    assert "b1" not in jobs.errors
    jobs.wait()


def test_cancel_takes_a_waiting_job_out_of_the_line():
    lane = FairLane()
    jobs = Jobs(lane)
    for name in ("a1", "a2", "a3"):
        jobs.submit("alice", name)
    jobs.cancel["a2"].set()
    time.sleep(0.5)
    assert "waiting its turn" in str(jobs.errors["a2"]) and lane.waiting("alice") == 1
    jobs.wait()
    assert jobs.started == ["a1", "a3"]


def test_the_lane_is_free_again_after_a_failing_job():
    lane = FairLane()
    with pytest.raises(RuntimeError), lane.turn("alice", threading.Event()):
        raise RuntimeError("boom")
    with lane.turn("bob", threading.Event()):
        assert lane.waiting() == 0
