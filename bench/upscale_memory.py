"""Peak RSS of a ×4 tiled upscale ÷ a ×2 upscale of the same image with the same tile size,
and seconds per tile for both (which should stay about the same). Goal: ratio <= 1.2.

Each run is a fresh process through the registry with an SDXL-shaped random model. Only one
tile is ever in the model; the output grows, and with it only the image buffers.

    python bench/upscale_memory.py [--width 4] [--source 256] [--tile 256]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bench_model, bench_workspace, brick_request, catalog_of


def child(scale: float, width: int, source_side: int, tile: int) -> None:
    import numpy as np
    from PIL import Image

    from qpyt_gradio.bricks.contract import Job
    from qpyt_gradio.models.registry import Registry

    spec = bench_model("sdxl", width)
    registry = Registry(catalog_of(spec))
    work = Path(tempfile.mkdtemp(prefix="qpyt-upscale-memory-"))
    source = work / "source.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (source_side, source_side, 3), dtype=np.uint8)).save(
        source
    )
    values = {"model": spec.name, "strength": 0.5, "steps": 4, "guidance": 3.0, "seed": 1}
    brick, request = brick_request(
        "upscale", image=str(source), prompt="a landscape", scale=scale, tile=tile, overlap=tile // 8, **values
    )
    start = time.perf_counter()
    result = brick.execute(bench_workspace(registry, work), Job(), request)
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tiles = result.parameters["tiles"]
    print(
        json.dumps(
            {
                "scale": scale,
                "peak_mib": peak_mib,
                "tiles": tiles,
                "seconds_per_tile": seconds / tiles,
                "size": [result.parameters["width"], result.parameters["height"]],
            }
        )
    )


def run(scale: float, arguments: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        str(scale),
        "--width",
        str(arguments.width),
        "--source",
        str(arguments.source),
        "--tile",
        str(arguments.tile),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4, help="model width multiplier")
    parser.add_argument("--source", type=int, default=256, help="side of the square source image")
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.width, arguments.source, arguments.tile)
        return
    bench_model("sdxl", arguments.width)
    double, quadruple = run(2.0, arguments), run(4.0, arguments)
    for result in (double, quadruple):
        width, height = result["size"]
        buffers = width * height * 16 / 2**20
        print(
            f"×{result['scale']:g} -> {width}×{height}: {result['tiles']:3d} tiles, "
            f"{result['seconds_per_tile']:.2f} s/tile, peak RSS {result['peak_mib']:.0f} MiB "
            f"(blend buffers {buffers:.0f} MiB)"
        )
    print(f"peak RSS ×4 / ×2 = {quadruple['peak_mib'] / double['peak_mib']:.3f}  (goal <= 1.2)")
    print(f"seconds per tile ×4 / ×2 = {quadruple['seconds_per_tile'] / double['seconds_per_tile']:.2f}")


if __name__ == "__main__":
    main()
