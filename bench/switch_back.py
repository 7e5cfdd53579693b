"""Switching back to a model kept in the RAM cache ÷ its first load, and peak RSS against the cache's budget.

In a fresh process, per round: the files of SDXL are dropped from the OS page cache (as after a
reboot, or on a machine whose RAM the models do not fit twice), SDXL is loaded and makes a
one-step 64² image, FLUX.1 replaces it (SDXL goes into the cache), then SDXL again. Timed each
time: the model ready in the registry, and the first image (which touches every weight). The
budget holds one model, not two; the cache is checked against it after every switch, and the
peak RSS growth is compared with the budget plus the resident model. Goal: ratio <= 0.3.

    python bench/switch_back.py [--width 12] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bench_model, bench_workspace, brick_request, catalog_of

MIB = 1024**2


def forget_pages(folder: Path) -> None:
    """Drop ``folder``'s files from the OS page cache, so the next read comes from the disk."""
    for path in folder.rglob("*"):
        if path.is_file():
            handle = os.open(path, os.O_RDONLY)
            try:
                os.fsync(handle)
                os.posix_fadvise(handle, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(handle)


def child(width: int, rounds: int) -> None:
    import psutil

    from qpyt_gradio.bricks.contract import Job
    from qpyt_gradio.models.memory import module_bytes
    from qpyt_gradio.models.ram_cache import RamCache
    from qpyt_gradio.models.registry import Registry

    first, other = bench_model("sdxl", width), bench_model("flux", width)
    start_rss = psutil.Process().memory_info().rss
    probe = Registry(catalog_of(first, other))
    sizes = {}
    for spec in (first, other):
        with probe.image_job(spec) as job:
            modules = [module for module in job.pipeline.components.values() if hasattr(module, "parameters")]
            sizes[spec.name] = sum(module_bytes(module) for module in modules)
    probe.unload_all()
    del probe, job, modules
    budget = max(sizes.values()) + min(sizes.values()) // 2
    registry = Registry(catalog_of(first, other), ram_cache=RamCache(budget))
    workspace = bench_workspace(registry, Path(tempfile.mkdtemp(prefix="qpyt-switch-back-")))

    def timed(spec) -> tuple[float, float]:
        """Seconds until the model is ready in the registry, and until its first image is saved."""
        started = time.perf_counter()
        with registry.image_job(spec):
            ready = time.perf_counter() - started
        values = {"model": spec.name, "width": 64, "height": 64, "steps": 1, "guidance": 3.0, "seed": 1}
        brick, request = brick_request("generate", prompt="a test", **values)
        brick.execute(workspace, Job(), request)
        assert registry.ram_cache.used_bytes <= budget
        return ready, time.perf_counter() - started

    timings: dict[str, list[tuple[float, float]]] = {"first load": [], "switch back": []}
    for _ in range(rounds):
        registry.unload_all()
        forget_pages(Path(first.location))
        timings["first load"].append(timed(first))
        timed(other)
        timings["switch back"].append(timed(first))
    peak_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - start_rss
    found = {"timings": timings, "budget": budget, "sizes": sizes, "peak_growth": peak_growth}
    print(json.dumps({**found, "loads": dict(registry.load_counts), "hits": dict(registry.cache_hits)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=12, help="model width multiplier (bigger = more RAM)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.width, arguments.rounds)
        return
    for family in ("sdxl", "flux"):
        bench_model(family, arguments.width)
    command = [sys.executable, __file__, "--child", "--width", str(arguments.width), "--rounds", str(arguments.rounds)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    found = json.loads(output.strip().splitlines()[-1])
    medians = {
        name: [statistics.median(pair[index] for pair in pairs) for index in (0, 1)]
        for name, pairs in found["timings"].items()
    }
    (load_ready, load_image), (back_ready, back_image) = medians["first load"], medians["switch back"]
    sizes = found["sizes"]
    print(f"model sizes (MiB): {', '.join(f'{name} {size / MIB:.0f}' for name, size in sizes.items())}")
    for what, load, back in (("model ready", load_ready, back_ready), ("first image", load_image, back_image)):
        print(f"{what}: first load {load:.3f} s, switch back {back:.3f} s: ratio {back / load:.3f}")
    print(f"loads {found['loads']}, cache hits {found['hits']} (goal: ratio <= 0.3)")
    ceiling = found["budget"] + max(sizes.values())
    print(
        f"peak RSS growth {found['peak_growth'] / MIB:.0f} MiB; cache budget {found['budget'] / MIB:.0f} MiB + "
        f"resident model {max(sizes.values()) / MIB:.0f} MiB = {ceiling / MIB:.0f} MiB"
    )


if __name__ == "__main__":
    main()
