"""LoRAs: what changing them costs, what sampling with them costs, and how many files weight changes read.

* Changing the weights of 3 loaded LoRAs ÷ loading the same 3 files (goal <= 0.1), fused (the
  default: unfuse exactly, re-weight, fuse again) and unfused (re-weight only).
* Generating with 3 LoRAs active ÷ with none, same model and seed, fused and unfused (goal <= 1.05
  for the default path).
* LoRA files opened during 10 weight changes (goal 0; every ``open`` of the process is watched).

Runs alternate (with, without, with, without...); each figure is the median of the ratios of
neighbouring runs, measured in this run. The model is a random-weight SDXL of ``--width``.

    python bench/lora.py [--width 8] [--size 256] [--steps 8] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from common import CACHE, bench_model, catalog_of, median

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.loras.library import LoraLibrary
from qpyt_gradio.loras.selection import adapter_uses
from qpyt_gradio.models.loading import load_pipeline
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.settings import Settings
from qpyt_gradio.workflows.runner import run_brick
from qpyt_gradio.workspace import Workspace

OPENED: list[str] = []
sys.addaudithook(lambda event, args: OPENED.append(str(args[0])) if event == "open" and args else None)


def build_loras(spec, folder: Path, count: int) -> list[str]:
    """``count`` random LoRAs for ``spec``'s UNet in diffusers format; returns their names."""
    from qpyt_gradio.demo.loras import build_demo_lora

    pipeline = load_pipeline(spec, __import__("torch").float32)
    names = [f"bench-lora-{index}" for index in range(count)]
    for index, name in enumerate(names):
        if not (folder / f"{name}.safetensors").exists():
            build_demo_lora(pipeline, "sdxl", folder / f"{name}.safetensors", seed=index + 1)
    return names


def weight_changes(workspace: Workspace, spec, names: list[str], runs: int) -> tuple[float, int]:
    """Median of (one weight change ÷ loading the files), and the LoRA files opened during 10 changes (each
    change a job's LoRA set-up, without sampling)."""
    registry, library = workspace.registry, workspace.loras
    ratios = []
    for run in range(runs):
        with registry.image_job(spec, loras=()):
            pass  # the previous run's adapters are deleted: the next job reads the files again
        uses = adapter_uses(library, [(name, 1.0) for name in names], "sdxl", spec.name)
        start = time.perf_counter()
        with registry.image_job(spec, loras=uses):
            pass
        loading = time.perf_counter() - start
        changed = [replace(use, weight=0.5 + 0.1 * (run % 3)) for use in uses]
        start = time.perf_counter()
        with registry.image_job(spec, loras=changed):
            pass
        ratios.append((time.perf_counter() - start) / loading)
    paths = {str(library.get(name).path) for name in names}
    OPENED.clear()
    for step in range(10):
        uses = adapter_uses(library, [(name, 0.1 * step - 0.5) for name in names], "sdxl", spec.name)
        with registry.image_job(spec, loras=uses):
            pass
    return median(ratios), sum(1 for path in OPENED if path in paths)


def sampling_ratio(
    with_loras: Workspace, without: Workspace, spec, names: list[str], size: int, steps: int, runs: int
) -> float:
    """Median of (generate with ``names`` at 0.7 ÷ generate without), same seed, alternating. Each side has
    its own registry, so the set of LoRAs never changes between the jobs of one side."""
    brick = BRICKS["generate"]
    base = {"prompt": "a lighthouse", "model": spec.name, "width": size, "height": size, "steps": steps, "seed": 3}
    jobs = (
        (with_loras, brick.request(**base, loras=tuple((name, 0.7) for name in names))),
        (without, brick.request(**base)),
    )
    for workspace, request in jobs:
        run_brick(workspace, Job(), brick, request)  # load the model and the LoRAs first
    ratios = []
    for _ in range(runs):
        timings = []
        for workspace, request in jobs:
            start = time.perf_counter()
            run_brick(workspace, Job(), brick, request)
            timings.append(time.perf_counter() - start)
        ratios.append(timings[0] / timings[1])
    return median(ratios)


def workspace_for(spec, folder: Path, outputs: Path, fusing: str) -> Workspace:
    """A workspace with its own registry on ``spec``, LoRAs from ``folder``, ``fusing`` as its LoRA mode."""
    settings = Settings(max_side=4096, cache_dir=CACHE, loras_dir=folder, lora_fusing=fusing)
    registry = Registry(catalog_of(spec), lora_fusing=fusing)
    workspace = Workspace(settings, registry.catalog, outputs, dated_outputs=False, _registry=registry)
    workspace._loras = LoraLibrary([folder])
    return workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=8, help="model width multiplier")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    spec = bench_model("sdxl", options.width)
    folder = CACHE / f"bench-loras-w{options.width}"
    names = build_loras(spec, folder, 3)
    print(f"SDXL random weights, width {options.width}; {options.size}² px, {options.steps} steps; 3 LoRAs")
    with tempfile.TemporaryDirectory() as outputs:
        without = workspace_for(spec, folder, Path(outputs), "unfused")
        for fusing in ("fused", "unfused"):
            change, opened = weight_changes(
                workspace_for(spec, folder, Path(outputs), fusing), spec, names, options.runs
            )
            print(f"{fusing}: weight change ÷ first load of the 3 files: {change:.3f} (goal <= 0.1)")
            print(f"{fusing}: LoRA files opened during 10 weight changes: {opened} (goal 0)")
            workspace = workspace_for(spec, folder, Path(outputs), fusing)
            ratio = sampling_ratio(workspace, without, spec, names, options.size, options.steps, options.runs)
            print(f"{fusing}: generate with 3 LoRAs ÷ without: {ratio:.3f} (goal <= 1.05)")
            workspace.registry.unload_all()


if __name__ == "__main__":
    main()
