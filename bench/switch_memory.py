"""Peak RSS while switching SDXL -> FLUX -> SD3 -> SDXL ÷ peak RSS of the largest model alone.

Each scenario runs in a fresh process that loads through the registry and generates one small
image per model; its peak resident memory (ru_maxrss) is read at the end. If the registry frees
a pipeline fully before loading the next, switching costs no more than the largest model alone.
Goal: <= 1.15.

    python bench/switch_memory.py [--width 12]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

from common import bench_model, bench_workspace, brick_request, catalog_of

SEQUENCE = ["sdxl", "flux", "sd3", "sdxl"]


def child(families: list[str], width: int) -> None:
    import tempfile
    from pathlib import Path

    from qpyt_gradio.bricks.contract import Job
    from qpyt_gradio.models.registry import Registry

    specs = {family: bench_model(family, width) for family in set(families)}
    registry = Registry(catalog_of(*specs.values()))
    workspace = bench_workspace(registry, Path(tempfile.mkdtemp(prefix="qpyt-switch-")))
    for family in families:
        values = {"model": specs[family].name, "width": 64, "height": 64, "steps": 2, "guidance": 3.0, "seed": 1}
        brick, request = brick_request("generate", prompt="a test", **values)
        brick.execute(workspace, Job(), request)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"families": families, "peak_mib": peak_kib / 1024, "loads": dict(registry.load_counts)}))


def run(families: list[str], width: int) -> dict:
    command = [sys.executable, __file__, "--child", ",".join(families), "--width", str(width)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=12, help="model width multiplier (bigger = more RAM)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child.split(","), arguments.width)
        return
    for family in set(SEQUENCE):
        bench_model(family, arguments.width)
    alone = {family: run([family], arguments.width)["peak_mib"] for family in ["sdxl", "flux", "sd3"]}
    switching = run(SEQUENCE, arguments.width)
    largest = max(alone, key=alone.get)
    for family, peak in alone.items():
        print(f"{family:5s} alone          peak RSS {peak:8.0f} MiB")
    print(f"{' -> '.join(SEQUENCE)}  peak RSS {switching['peak_mib']:8.0f} MiB  loads {switching['loads']}")
    print(f"ratio switching / largest alone ({largest}) = {switching['peak_mib'] / alone[largest]:.3f}  (goal <= 1.15)")


if __name__ == "__main__":
    main()
