"""The shared GPU lane: how long a second user's single image waits behind a first user's batch, and how
well the budget's count (megapixel-steps) predicts a job's time.

* Session A asks for 5 images one after another; once A's first is running, session B asks for 1.
  B's wait ÷ one job's time, through the fair lane (goal <= 2) and through a first-come-first-served
  lock as Gradio's own queue would serve them (for comparison), in the same run.
* Generation at a few sizes: seconds ÷ megapixel-steps, and each size's error against the rate
  fitted on all of them (the budget assumes time grows with pixels × steps × images).

    python bench/fairness.py [--width 4] [--size 192] [--steps 8]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from common import bench_model, bench_workspace, brick_request, catalog_of, median

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.generation.budget import megapixel_steps
from qpyt_gradio.lane import FairLane
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.workflows.runner import run_brick

Turn = Callable[[str], contextlib.AbstractContextManager[None]]


def first_come_first_served() -> Turn:
    lock = threading.Lock()

    @contextlib.contextmanager
    def turn(_session: str) -> Iterator[None]:
        with lock:
            yield

    return turn


def fair(lane: FairLane) -> Turn:
    return lambda session: lane.turn(session, threading.Event())


def waits(workspace, turn: Turn, request_of: Callable[[int], object]) -> tuple[float, float]:
    """(B's wait, the median job time) with A's 5 jobs and B's 1 through ``turn``."""
    brick = request_of(0)[0]
    durations: list[float] = []
    started: dict[str, float] = {}
    a_running = threading.Event()

    def job(session: str, name: str, seed: int) -> None:
        with turn(session):
            started[name] = time.perf_counter()
            a_running.set()
            begin = time.perf_counter()
            run_brick(workspace, Job(), brick, request_of(seed)[1])
            durations.append(time.perf_counter() - begin)

    threads = []
    for index in range(5):
        threads.append(threading.Thread(target=job, args=("a", f"a{index}", index)))
        threads[-1].start()
        time.sleep(0.02)
    a_running.wait()
    asked = time.perf_counter()
    threads.append(threading.Thread(target=job, args=("b", "b", 99)))
    threads[-1].start()
    for thread in threads:
        thread.join()
    return started["b"] - asked, median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=4)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--steps", type=int, default=8)
    options = parser.parse_args()
    spec = bench_model("sdxl", options.width)
    workspace = bench_workspace(Registry(catalog_of(spec)), Path(tempfile.mkdtemp(prefix="qpyt-fairness-")))

    def request_of(seed: int, size: int = options.size) -> tuple:
        return brick_request(
            "generate", prompt="a lighthouse", model=spec.name, width=size, height=size, steps=options.steps, seed=seed
        )

    run_brick(workspace, Job(), *request_of(0))  # load the model once
    print(f"SDXL random weights, width {options.width}; {options.size}² px, {options.steps} steps per job")
    for label, turn in (("fair lane", fair(FairLane())), ("first come, first served", first_come_first_served())):
        wait, job = waits(workspace, turn, request_of)
        print(f"{label}: B's wait ÷ one job = {wait / job:.2f} ({wait:.2f} s ÷ {job:.2f} s)")
    sizes = [128, 192, 256, 320]
    timings = {}
    for size in sizes:
        runs = []
        for seed in range(3):
            begin = time.perf_counter()
            run_brick(workspace, Job(), *request_of(seed, size))
            runs.append(time.perf_counter() - begin)
        timings[size] = median(runs)
    rate = sum(timings.values()) / sum(megapixel_steps(size, size, options.steps, 1) for size in sizes)
    for size in sizes:
        cost = megapixel_steps(size, size, options.steps, 1)
        error = timings[size] / (cost * rate) - 1
        print(
            f"{size}²: {cost:.3f} MP·steps, {timings[size]:.3f} s, {timings[size] / cost:.2f} s per MP·step, "
            f"error against the fitted rate {error:+.0%}"
        )


if __name__ == "__main__":
    main()
