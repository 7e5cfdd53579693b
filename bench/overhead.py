"""The app's generate path ÷ a bare diffusers call: same pipeline object, same seed and parameters.

The app path includes what a user gets: validation, the registry job (lock, helper release),
the step callback with progress, live preview and the cancel check, and saving the PNG with its
metadata. Runs alternate (bare, app, bare, app...) and the medians are compared. Goal: <= 1.03.

    python bench/overhead.py [--width 4] [--size 256] [--steps 10] [--runs 7]
"""

from __future__ import annotations

import argparse
import queue
import tempfile
import threading
import time
from pathlib import Path

import torch
from common import bench_model, catalog_of, median

from qpyt_gradio.generation.request import GenerateParams, prepare
from qpyt_gradio.generation.streaming import QueueReporter
from qpyt_gradio.generation.txt2img import call_arguments, generate
from qpyt_gradio.models.registry import Registry


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
    parser.add_argument("--width", type=int, default=4, help="model width multiplier (a step must take >= 0.2 s)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    spec = bench_model("sdxl", arguments.width)
    registry = Registry(catalog_of(spec))
    params = GenerateParams(
        "a lighthouse on a cliff at dusk",
        model=spec.name,
        width=arguments.size,
        height=arguments.size,
        steps=arguments.steps,
        guidance=5.0,
        seed=42,
    )
    prepared = prepare(params, spec, 4096)
    outputs = Path(tempfile.mkdtemp(prefix="qpyt-overhead-"))
    with registry.image_job(spec.name) as job:
        pipeline = job.pipeline

    def bare() -> float:
        start = time.perf_counter()
        with torch.inference_mode():
            pipeline(**call_arguments(prepared))
        return time.perf_counter() - start

    def app() -> float:
        reporter = QueueReporter(queue.Queue())
        start = time.perf_counter()
        generate(registry, prepared, outputs, reporter, threading.Event(), live_preview=True)
        return time.perf_counter() - start

    app()  # warm-up: fits the preview map once, as the first generation after a load does
    step = seconds_per_step(pipeline, prepared)
    bare_times, app_times = [], []
    for _ in range(arguments.runs):
        bare_times.append(bare())
        app_times.append(app())
    size = f"{arguments.size}x{arguments.size}"
    print(f"model {spec.name}, {size}, {arguments.steps} steps, {torch.get_num_threads()} threads")
    runs = [round(t, 3) for t in bare_times]
    print(f"bare diffusers  median {median(bare_times):.3f} s  ({step:.3f} s/step)  runs {runs}")
    print(f"app path        median {median(app_times):.3f} s  runs {[round(t, 3) for t in app_times]}")
    print(f"ratio app / bare = {median(app_times) / median(bare_times):.3f}  (goal <= 1.03)")
    if step < 0.2:
        print("warning: a step takes < 0.2 s here; raise --width or --size")


if __name__ == "__main__":
    main()
