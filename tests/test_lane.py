"""The fair GPU lane: sessions served least recently first, a few jobs waiting per session, Cancel, places,
snapshots, and a session cancelling its own jobs one by one."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.lane import FairLane, LaneJob


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
                with self.lane.turn(session, self.cancel[name], self.places[name].append, name):
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


def untimed(jobs: list[LaneJob]) -> list[LaneJob]:
    return [replace(job, seconds=0.0) for job in jobs]


def numbers(lane: FairLane) -> dict[str, int]:
    """The lane's number of each job, by label."""
    return {job.label: job.number for job in lane.snapshot()}


def test_a_snapshot_lists_the_running_job_then_the_waiting_ones_in_the_order_they_run():
    lane = FairLane()
    jobs = Jobs(lane)
    for name in ("a1", "a2", "a3"):
        jobs.submit("alice", name)
    jobs.submit("bob", "b1")
    time.sleep(0.3)
    seen = lane.snapshot()
    assert [job.label for job in seen] == ["a1", "b1", "a2", "a3"]
    assert [job.ahead for job in seen] == [0, 1, 2, 3] and [job.running for job in seen] == [True] + [False] * 3
    assert [job.session for job in seen] == ["alice", "bob", "alice", "alice"]
    assert seen[0].seconds >= 0.3 and seen[1].seconds < seen[3].seconds + 0.05, "b1 joined last"
    assert untimed(lane.snapshot()) == untimed(seen), "a look changes nothing"
    jobs.finish("a1")
    assert [job.label for job in lane.snapshot()] == ["b1", "a2", "a3"]
    jobs.wait()
    assert jobs.started == ["a1", "b1", "a2", "a3"] and lane.snapshot() == []


def test_a_session_cancels_its_waiting_job_which_leaves_the_line_at_once():
    lane = FairLane()
    jobs = Jobs(lane)
    for session, name in (("alice", "a1"), ("bob", "b1"), ("alice", "a2"), ("bob", "b2")):
        jobs.submit(session, name)
    cancelled = lane.cancel("bob", numbers(lane)["b1"])
    assert cancelled is not None and not cancelled.running and cancelled.ahead == 1
    assert [job.label for job in lane.snapshot()] == ["a1", "b2", "a2"], "out of the line before its thread wakes"
    time.sleep(0.5)
    assert "waiting its turn" in str(jobs.errors["b1"]) and not jobs.cancel["b2"].is_set()
    jobs.wait()
    assert jobs.started == ["a1", "b2", "a2"]


def test_a_session_cancels_its_running_job_as_its_cancel_button_does():
    lane = FairLane()
    jobs = Jobs(lane)
    jobs.submit("alice", "a1")
    jobs.submit("bob", "b1")
    cancelled = lane.cancel("alice", numbers(lane)["a1"])
    assert cancelled is not None and cancelled.running and not cancelled.stopping
    assert jobs.cancel["a1"].is_set() and not jobs.cancel["b1"].is_set()
    assert lane.snapshot()[0].stopping, "it runs until its job sees the flag"
    jobs.finish("a1")
    assert jobs.started == ["a1", "b1"]
    jobs.wait()


def test_another_session_s_job_cannot_be_cancelled_and_an_ended_one_is_gone():
    lane = FairLane()
    jobs = Jobs(lane)
    jobs.submit("alice", "a1")
    jobs.submit("alice", "a2")
    for name in ("a1", "a2"):
        with pytest.raises(InvalidInput, match="another user's"):
            lane.cancel("bob", numbers(lane)[name])
    assert not any(flag.is_set() for flag in jobs.cancel.values())
    assert [job.label for job in lane.snapshot()] == ["a1", "a2"]
    ended = numbers(lane)["a1"]
    jobs.wait()
    assert lane.cancel("alice", ended) is None


def test_snapshots_and_cancels_from_many_threads_keep_the_lane_consistent():
    lane = FairLane()
    jobs = Jobs(lane)
    for index in range(4):
        jobs.submit("alice", f"a{index}")
        jobs.submit("bob", f"b{index}")
    problems: list[BaseException] = []

    def look() -> None:
        try:
            for _ in range(200):
                seen = lane.snapshot()
                assert [job.ahead for job in seen] == list(range(len(seen)))
                assert sum(job.running for job in seen) <= 1
        except BaseException as error:
            problems.append(error)

    lookers = [threading.Thread(target=look) for _ in range(4)]
    for thread in lookers:
        thread.start()
    for name in ("b1", "b2", "b3"):
        lane.cancel("bob", numbers(lane)[name])
    jobs.wait()
    for thread in lookers:
        thread.join(10)
    assert not problems
    assert [name for name in jobs.started if name.startswith("b")] == ["b0"] and lane.snapshot() == []
