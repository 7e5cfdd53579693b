"""The app's generate path ÷ a bare diffusers call: same pipeline object, same seed and parameters.

The app path is what the page and the API run: the brick's declared checks, the workflow its
output records (seed decided), the registry job (lock, helper release), the step callback with
progress, live preview and the cancel check, and saving the PNG with its metadata. Runs
alternate (bare, app, bare, app...); the figure is the median of the ratios of neighbouring
runs, which cancels most of the machine's drift. Goal: <= 1.03.

    python bench/overhead.py [--width 8] [--size 256] [--steps 10] [--runs 9]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import queue
import tempfile
import time
from pathlib import Path

import torch
from common import bench_model, bench_workspace, brick_request, catalog_of, median

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.generation.request import prepare
from qpyt_gradio.generation.txt2img import call_arguments
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.ui.streaming import QueueReporter
from qpyt_gradio.workflows.runner import run_brick

OWN_WORK = {"save_png", "on_step_end", "prepare", "image_job", "check_request", "_decided_params"}


def own_work(run) -> tuple[float, float]:
    """Seconds spent in the app's own work around sampling (step callbacks, saving), and in all."""
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(run)
    total = time.perf_counter() - start
    stats = pstats.Stats(profile).stats
    own = sum(
        row[3] for (filename, _line, name), row in stats.items() if "qpyt_gradio" in filename and name in OWN_WORK
    )
    return own, total


def seconds_per_step(pipeline, prepared) -> float:
    """Time between the first and the last step callbacks of one bare call."""
    stamps: list[float] = []

    def stamp(_pipeline, _index, _timestep, tensors):
        stamps.append(time.perf_counter())
        return tensors

    with torch.inference_mode():
        pipeline(**call_arguments(prepared), callback_on_step_end=stamp)
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=8, help="model width multiplier (a step must take >= 0.2 s)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=9)
    arguments = parser.parse_args()
    spec = bench_model("sdxl", arguments.width)
    registry = Registry(catalog_of(spec))
    outputs = Path(tempfile.mkdtemp(prefix="qpyt-overhead-"))
    workspace = bench_workspace(registry, outputs)
    brick, request = brick_request(
        "generate",
        prompt="a lighthouse on a cliff at dusk",
        model=spec.name,
        width=arguments.size,
        height=arguments.size,
        steps=arguments.steps,
        guidance=5.0,
        seed=42,
    )
    prepared = prepare(workspace, request, spec)
    with registry.image_job(spec.name) as job:
        pipeline = job.pipeline

    def bare() -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        with torch.inference_mode():
            pipeline(**call_arguments(prepared))
        return time.perf_counter() - start, time.process_time() - cpu

    def app_run() -> None:
        run_brick(workspace, Job(reporter=QueueReporter(queue.Queue().put)), brick, request)

    def app() -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        app_run()
        return time.perf_counter() - start, time.process_time() - cpu

    app()  # warm-up: fits the preview map once, as the first generation after a load does
    step = seconds_per_step(pipeline, prepared)
    bare_runs, app_runs = [], []
    for _ in range(arguments.runs):
        bare_runs.append(bare())
        app_runs.append(app())
    bare_times, app_times = [run[0] for run in bare_runs], [run[0] for run in app_runs]
    bare_cpu, app_cpu = [run[1] for run in bare_runs], [run[1] for run in app_runs]
    size = f"{arguments.size}x{arguments.size}"
    print(f"model {spec.name}, {size}, {arguments.steps} steps, {torch.get_num_threads()} threads")
    runs = [round(t, 3) for t in bare_times]
    print(f"bare diffusers  median {median(bare_times):.3f} s  ({step:.3f} s/step)  runs {runs}")
    print(f"app path        median {median(app_times):.3f} s  runs {[round(t, 3) for t in app_times]}")
    paired = [app_time / bare_time for app_time, bare_time in zip(app_times, bare_times, strict=True)]
    print(
        f"ratio app / bare = {median(paired):.3f} (median of paired runs; medians alone give "
        f"{median(app_times) / median(bare_times):.3f})  (goal <= 1.03)"
    )
    print(f"CPU time ratio app / bare = {median(app_cpu) / median(bare_cpu):.3f} (less sensitive to other load)")
    own, total = own_work(app_run)
    print(
        f"app's own work (checks, workflow record, registry, callbacks with preview, saving): {own * 1000:.0f} ms "
        f"of {total * 1000:.0f} ms = {own / total:.2%} (profiled, deterministic)"
    )
    if step < 0.2:
        print("warning: a step takes < 0.2 s here; raise --width or --size")


if __name__ == "__main__":
    main()
