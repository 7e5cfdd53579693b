"""Vectorizing 1024² images: seconds and SVG size for a logo-like and a photo-like image, with the
default preset (illustration) and the photo preset, and noise as the worst case.

Times are also given as a ratio to the logo with the default preset, measured in the same run.
Bound: every case answers — an SVG, or a refusal with advice — within the trace time limit
(60 s) plus the estimate's trace; the photo-like image with the photo preset gives its SVG.

    python bench/vectorize.py [--side 1024]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import CACHE, brick_request, photo_like
from PIL import Image, ImageDraw

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.finishing.vectorize import TIME_LIMIT_S
from qpyt_gradio.settings import Settings
from qpyt_gradio.workspace import Workspace


def logo_like(side: int) -> Image.Image:
    """Flat colours and clean shapes: a badge with a ring, a bar and a star-like polygon."""
    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    unit = side / 16
    draw.ellipse((2 * unit, 2 * unit, 14 * unit, 14 * unit), fill=(20, 70, 160))
    draw.ellipse((3.5 * unit, 3.5 * unit, 12.5 * unit, 12.5 * unit), fill=(250, 200, 40))
    draw.rectangle((4 * unit, 7 * unit, 12 * unit, 9 * unit), fill=(200, 30, 40))
    draw.polygon([(8 * unit, 4 * unit), (9 * unit, 7 * unit), (7 * unit, 7 * unit)], fill=(20, 70, 160))
    return image


def noise(side: int, seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8))


def measure(source: Path, preset: str, workspace: Workspace, force: bool = False) -> tuple[float, str]:
    brick, request = brick_request("vectorize", image=str(source), preset=preset, force=force)
    start = time.perf_counter()
    try:
        result = brick.execute(workspace, Job(), request)
    except InvalidInput as refused:
        return time.perf_counter() - start, f"refused: {str(refused)[:70]}…"
    seconds = time.perf_counter() - start
    found = result.parameters
    return seconds, f"{found['bytes'] / 1024:,.0f} KB · {found['paths']} paths · {found['colors']} colours"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=1024)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qpyt-bench-vectorize-"))
    images = {"logo": logo_like(arguments.side), "photo": photo_like(arguments.side), "noise": noise(arguments.side)}
    for name, image in images.items():
        image.save(work / f"{name}.png")
    cases = [
        ("logo", "illustration", False),
        ("logo", "photo", False),
        ("photo", "illustration", False),
        ("photo", "photo", False),
        ("noise", "illustration", False),
        ("noise", "illustration", True),
        ("noise", "photo", False),
    ]
    settings = Settings(cache_dir=CACHE)
    workspace = Workspace.from_settings(settings, outputs_dir=work / "outputs")
    baseline = None
    worst = 0.0
    print(f"{arguments.side}² images; trace time limit {TIME_LIMIT_S:g} s")
    print(f"{'image':<7}{'preset':<14}{'forced':<8}{'seconds':>9}{'× logo':>8}  result")
    for name, preset, force in cases:
        seconds, outcome = measure(work / f"{name}.png", preset, workspace, force)
        baseline = baseline or seconds
        worst = max(worst, seconds)
        print(f"{name:<7}{preset:<14}{'yes' if force else 'no':<8}{seconds:>9.2f}{seconds / baseline:>8.1f}  {outcome}")
    print(f"slowest answer {worst:.1f} s; bound: every answer within {TIME_LIMIT_S:g} s plus the estimate's trace")


if __name__ == "__main__":
    main()
