"""GPU benchmark: full-size SDXL, FLUX.1-dev and SD 3.5 Large with random bf16 weights.

For each engine: sampling speed (it/s) of a bare diffusers call with the whole pipeline on the
GPU, then the app's generate path under each memory strategy (``auto``: the planner's choice; ``fp8_storage``:
model offload with the denoiser stored in FP8), with its peak VRAM, the planner's predicted peak ÷ the measured
one, and its speed relative to bare diffusers; then, with the whole pipeline on the GPU, the peak VRAM of one
job at several sizes and batch sizes next to the weights' own memory (what a memory planner has
to predict). With ``--gguf Q8_0`` (or ``Q4_0``), FLUX.1 runs again with its transformer as a GGUF file of that
quant type (quantized with torch on the bench's device, written with gguf's writer, loaded through diffusers'
GGUF support as the app loads one; the other components stay bf16), under each strategy; the file's size
and its write and load times are printed. Stops starting new runs when the time budget is spent, so it ends
within the budget plus one run (default 420 s: under 8 minutes on an H100).

    python bench/gpu.py [--families sdxl,flux,sd3] [--strategies auto,gpu,model_offload,fp8_storage,group_offload]
                        [--peak-sizes 512,768,1024] [--peak-batches 1,2] [--gguf Q8_0|Q4_0]
    python bench/gpu.py --dry-run     # CPU, tiny models: checks the harness on any machine
"""

from __future__ import annotations

import argparse
import gc
import queue
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch
from common import bench_workspace, catalog_of
from diffusers import DiffusionPipeline
from gguf_build import QUANTS, load_gguf_denoiser, write_gguf_denoiser

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.bricks.generate import BRICK as GENERATE
from qpyt_gradio.bricks.generate import GenerateRequest
from qpyt_gradio.demo import pipelines as tiny
from qpyt_gradio.generation.request import prepare
from qpyt_gradio.generation.txt2img import call_arguments
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.gguf_file import read_gguf
from qpyt_gradio.models.loading import quiet_progress
from qpyt_gradio.models.memory import free_memory
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.ui.streaming import QueueReporter
from qpyt_gradio.workflows.runner import run_brick

VARIANTS = {"sdxl": "base", "flux": "dev", "sd3": "large"}
TINY = {"sdxl": tiny.sdxl_pipeline, "flux": tiny.flux_pipeline, "sd3": tiny.sd3_pipeline}


class StepClock:
    """A step reporter that timestamps steps and forwards them (live preview included) as the page does."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self._page = QueueReporter(queue.Queue().put)

    def step(self, done, total, preview, unit="step") -> None:
        self._page.step(done, total, preview, unit)
        self.stamps.append(time.perf_counter())

    def text(self, partial: str) -> None:
        raise AssertionError("an image brick writes no text")

    def rate(self) -> float:
        """Steps per second between the first and the last step (text encoding and VAE excluded)."""
        return (len(self.stamps) - 1) / (self.stamps[-1] - self.stamps[0])


def build(family: str, device: str, dry_run: bool):
    if dry_run:
        return TINY[family](2)
    from full_size import BUILDERS, Materialiser

    return BUILDERS[family](Materialiser(device, torch.bfloat16))


def peak_vram_gib() -> float | None:
    return torch.cuda.max_memory_allocated() / 1024**3 if torch.cuda.is_available() else None


def reset_peak() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def bare_rate(
    family: str, params: GenerateRequest, device: str, dry_run: bool, peak_cases: list[tuple[int, int]]
) -> tuple[float, float | None, list[str]]:
    """Steps per second and peak VRAM of a bare diffusers call, then one table row per peak case."""
    pipeline = build(family, device, dry_run).to(device)
    quiet_progress(pipeline)
    spec = ModelSpec(f"bench-{family}", "folder", "-", family, VARIANTS[family])
    outputs = Path(tempfile.mkdtemp(prefix="qpyt-gpu-bench-"))
    workspace = bench_workspace(Registry(catalog_of(spec)), outputs)
    prepared = prepare(workspace, params, spec)
    clock = StepClock()

    def stamp(_pipeline, index, _timestep, tensors):
        clock.step(index + 1, params.steps, None)
        return tensors

    with torch.inference_mode():
        pipeline(**{**call_arguments(prepared), "num_inference_steps": 2})
        reset_peak()
        pipeline(**call_arguments(prepared), callback_on_step_end=stamp)
        peak = peak_vram_gib()
        rows = [
            peak_row(family, pipeline, prepare(workspace, sized(params, size, batch), spec))
            for size, batch in peak_cases
        ]
    del pipeline
    free_memory()
    return clock.rate(), peak, rows


def sized(params: GenerateRequest, size: int, batch: int) -> GenerateRequest:
    """``params`` as a 2-step job of ``batch`` images at ``size``²."""
    return replace(params, width=size, height=size, num_images=batch, steps=2)


def peak_row(family: str, pipeline, prepared) -> str:
    """One job's weights, peak and working memory (peak − weights) in GiB, as a table row."""
    free_memory()
    weights = torch.cuda.memory_allocated() / 1024**3 if torch.cuda.is_available() else None
    reset_peak()
    pipeline(**call_arguments(prepared))
    peak = peak_vram_gib()
    working = None if peak is None or weights is None else peak - weights
    request = prepared.request
    job = f"{request.width}²×{request.num_images}"
    return f"{family:6s} {job:>10s}  {_gib(weights):>10s} {_gib(peak):>10s} {_gib(working):>10s}"


def app_rate(
    family: str,
    strategy: str,
    params: GenerateRequest,
    device: str,
    dry_run: bool,
    make: Callable[[], DiffusionPipeline] | None = None,
) -> tuple[float, float | None, str]:
    """The app's speed and peak VRAM under ``strategy``, and the strategy the planner placed it with, with its
    predicted peak ÷ the measured one. ``make`` builds the pipeline on the CPU (default: the family's)."""
    spec = ModelSpec(f"bench-{family}", "folder", "-", family, VARIANTS[family])
    built = {"pipeline": make() if make is not None else build(family, device, dry_run).to("cpu")}

    def loader(_spec, _dtype):
        pipeline = built.pop("pipeline")
        quiet_progress(pipeline)
        return pipeline

    registry = Registry(catalog_of(spec), requested_strategy=strategy, loader=loader)
    workspace = bench_workspace(registry, Path(tempfile.mkdtemp(prefix="qpyt-gpu-bench-")))
    run_brick(workspace, Job(reporter=StepClock()), GENERATE, replace(params, steps=2))
    reset_peak()
    clock = StepClock()
    run_brick(workspace, Job(reporter=clock), GENERATE, params)
    peak = peak_vram_gib()
    plan = registry.image_plan()
    placed = f"{plan.strategy}" if plan is not None and plan.strategy is not None else "-"
    if plan is not None and peak:
        placed += f", predicted ÷ measured {plan.predicted_bytes / 1024**3 / peak:.2f}"
    registry.unload_all()
    del registry
    gc.collect()
    free_memory()
    return clock.rate(), peak, placed


class GGUFDenoiser:
    """A family's random denoiser written once as a GGUF file of ``quant``; :meth:`pipeline` builds the family's
    pipeline with that file's denoiser, loaded as the app loads a GGUF denoiser, in place of its own."""

    def __init__(self, family: str, quant: str, device: str, dry_run: bool, folder: Path) -> None:
        self.family, self.device, self.dry_run = family, device, dry_run
        self.class_name, self.subfolder = ModelSpec("-", "folder", "-", family, VARIANTS[family]).engine.denoiser
        source = getattr(build(family, device, dry_run), self.subfolder)
        self.dtype = source.dtype
        source.save_config(folder / "config" / self.subfolder)
        self.config = folder / "config"
        start = time.perf_counter()
        self.path = write_gguf_denoiser(source, family, quant, folder / f"{family}-{quant}.gguf")
        self.write_seconds = time.perf_counter() - start
        self.load_seconds: list[float] = []
        del source
        free_memory()

    def pipeline(self) -> DiffusionPipeline:
        pipeline = build(self.family, self.device, self.dry_run)
        setattr(pipeline, self.subfolder, None)
        free_memory()
        denoiser, seconds = load_gguf_denoiser(self.path, self.class_name, self.config, self.subfolder, self.dtype)
        self.load_seconds.append(seconds)
        pipeline = pipeline.to("cpu")
        setattr(pipeline, self.subfolder, denoiser)
        return pipeline


def gguf_rows(
    quant: str,
    strategies: list[str],
    params: GenerateRequest,
    bare: float,
    device: str,
    dry_run: bool,
    over_budget: Callable[[], bool],
) -> None:
    """Print the GGUF file's figures, then one row per strategy with FLUX.1's denoiser read from that file."""
    family = "flux"
    with tempfile.TemporaryDirectory(prefix="qpyt-gpu-bench-gguf-") as folder:
        denoiser = GGUFDenoiser(family, quant, device, dry_run, Path(folder))
        contents = read_gguf(denoiser.path)
        kinds = list(contents.tensor_types.values())
        print(
            f"{family:6s} GGUF {quant}: file {contents.size / 1024**2:,.1f} MiB ({kinds.count(quant)} of {len(kinds)} "
            f"tensors {quant}), written in {denoiser.write_seconds:.1f} s",
            flush=True,
        )
        for strategy in strategies:
            label = f"{quant}, {strategy}"
            if over_budget():
                print(f"{family:6s} {label:25s} skipped: time budget spent")
                continue
            rate, peak, placed = app_rate(family, strategy, params, device, dry_run, denoiser.pipeline)
            placed += f", loaded in {denoiser.load_seconds[-1]:.1f} s"
            print(f"{family:6s} {label:25s} {rate:8.3f} {rate / bare:8.3f} {_gib(peak):>10s}  {placed}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="sdxl,flux,sd3")
    parser.add_argument("--strategies", default="auto,gpu,model_offload,fp8_storage,group_offload,sequential_offload")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--peak-sizes", default="512,768,1024", help="sizes of the peak-memory table")
    parser.add_argument("--peak-batches", default="1,2", help="batch sizes of the peak-memory table")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds after which no new run starts")
    parser.add_argument("--dry-run", action="store_true", help="CPU and tiny models: check the harness")
    parser.add_argument(
        "--gguf",
        choices=QUANTS,
        help="also run FLUX.1 with its transformer as a GGUF file of this quant type, under each strategy",
    )
    arguments = parser.parse_args()
    if arguments.dry_run:
        device, strategies, size = "cpu", ["cpu"], 128
    else:
        if not torch.cuda.is_available():
            parser.error("no CUDA device: use --dry-run to check the harness on the CPU")
        device, strategies, size = "cuda", arguments.strategies.split(","), arguments.size
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    peak_cases = [
        (int(size), int(batch))
        for size in arguments.peak_sizes.split(",")
        for batch in arguments.peak_batches.split(",")
    ]
    if arguments.dry_run:
        peak_cases = [(size // 8, batch) for size, batch in peak_cases]
    start = time.monotonic()
    peak_table: list[str] = []
    print(f"{'engine':6s} {'path':25s} {'it/s':>8s} {'vs bare':>8s} {'peak VRAM':>10s}")
    for family in arguments.families.split(","):
        params = GenerateRequest(
            "a lighthouse on a cliff at dusk",
            model=f"bench-{family}",
            width=size,
            height=size,
            steps=arguments.steps,
            guidance=3.5,
            seed=1,
        )
        if time.monotonic() - start > arguments.budget:
            print(f"{family:6s} skipped: time budget spent")
            continue
        bare, peak, rows = bare_rate(family, params, device, arguments.dry_run, peak_cases)
        peak_table += rows
        print(f"{family:6s} {'bare diffusers':25s} {bare:8.3f} {1.0:8.3f} {_gib(peak):>10s}", flush=True)
        for strategy in strategies:
            if time.monotonic() - start > arguments.budget:
                print(f"{family:6s} {strategy:25s} skipped: time budget spent")
                continue
            rate, peak, placed = app_rate(family, strategy, params, device, arguments.dry_run)
            row = f"{family:6s} {'app, ' + strategy:25s} {rate:8.3f} {rate / bare:8.3f} {_gib(peak):>10s}  {placed}"
            print(row, flush=True)
        if arguments.gguf and family == "flux":
            if time.monotonic() - start > arguments.budget:
                print(f"{family:6s} GGUF {arguments.gguf} skipped: time budget spent")
                continue
            gguf_rows(
                arguments.gguf,
                strategies,
                params,
                bare,
                device,
                arguments.dry_run,
                lambda: time.monotonic() - start > arguments.budget,
            )
    print(f"\n{'engine':6s} {'job':>10s}  {'weights':>10s} {'peak':>10s} {'working':>10s}")
    print("\n".join(peak_table))
    print(f"total {time.monotonic() - start:.0f} s")


def _gib(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} GiB"


if __name__ == "__main__":
    main()
