"""The memory planner's predicted working memory ÷ the measured peak RSS growth of one job.

For each bench engine, size and number of images, a fresh process loads the model (float32, CPU),
runs a 64² warm-up job, resets its peak RSS (/proc/self/clear_refs), runs the job (2 steps) and
reports its peak RSS growth (with glibc's mmap threshold fixed, see FIXED_MMAP_THRESHOLD); the planner predicts the
same from the pipeline's description. Goal:
every ratio within 0.85–1.15 (medians of ``--repeats`` runs).

    python bench/planner.py [--width 12] [--sides 256,384,512] [--images 1,2] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

from common import bench_model

MIB = 1024**2
FIXED_MMAP_THRESHOLD = {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
"""glibc serves every allocation of 128 KiB or more (every tensor that matters) by its own mapping, returned at
once when freed; by default the threshold grows after large frees and later tensors come from a heap that keeps
its pages, so RSS would follow the allocator's history rather than the live tensors (±50 % between runs)."""


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) * 1024


def child(family: str, width: int, side: int, images: int) -> None:
    import torch

    from qpyt_gradio.models.loading import load_pipeline
    from qpyt_gradio.models.memory import free_memory
    from qpyt_gradio.models.planner import JobShape, working_bytes
    from qpyt_gradio.models.shapes import describe

    spec = bench_model(family, width)
    pipeline = load_pipeline(spec, torch.float32)
    arguments = {"prompt": "a test", "num_inference_steps": 2, "guidance_scale": 3.0}
    with torch.inference_mode():
        pipeline(width=64, height=64, **arguments)
    free_memory()
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    generators = [torch.Generator().manual_seed(seed) for seed in range(images)]
    with torch.inference_mode():
        pipeline(width=side, height=side, num_images_per_prompt=images, generator=generators, **arguments)
    measured = _status("VmHWM") - before
    predicted = working_bytes(describe(pipeline, spec.engine, spec.name), JobShape(side, side, images), 4, "cpu")
    print(json.dumps({"measured": measured, "predicted": predicted}))


def measure(family: str, width: int, side: int, images: int) -> dict[str, int]:
    command = [sys.executable, __file__, "--child", family, "--width", str(width), "--side", str(side)]
    environment = {**os.environ, **FIXED_MMAP_THRESHOLD}
    command += ["--images", str(images)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=12, help="model width multiplier (VAE: 8 × width channels)")
    parser.add_argument("--sides", default="256,384,512")
    parser.add_argument("--images", default="1,2")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--families", default="sdxl,flux,sd3")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--side", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.width, arguments.side, int(arguments.images))
        return
    print(f"{'engine':6s} {'size':>5s} {'images':>6s} {'predicted':>10s} {'measured':>10s} {'ratio':>6s}")
    ratios = []
    for family in arguments.families.split(","):
        for side in map(int, arguments.sides.split(",")):
            for images in map(int, arguments.images.split(",")):
                rows = [measure(family, arguments.width, side, images) for _ in range(arguments.repeats)]
                predicted = rows[0]["predicted"]
                measured = statistics.median(row["measured"] for row in rows)
                ratios.append(predicted / measured)
                print(
                    f"{family:6s} {side:4d}² {images:6d} {predicted / MIB:7.0f} MiB {measured / MIB:7.0f} MiB "
                    f"{ratios[-1]:6.2f}",
                    flush=True,
                )
    inside = sum(0.85 <= ratio <= 1.15 for ratio in ratios)
    print(f"{inside}/{len(ratios)} ratios within 0.85–1.15; range {min(ratios):.2f}–{max(ratios):.2f}")


if __name__ == "__main__":
    main()
