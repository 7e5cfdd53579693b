"""Background removal of a 1024² image on this machine's CPU: seconds for the brick (open, rembg,
compose, save with metadata and workflow) ÷ seconds for rembg's own ``remove`` call on the same session.

With the tiny segmenter the demo uses, and with every real model file found under the rembg
folder (``--home``, by default ``models/rembg``: ``models/<name>/<name>.onnx``).

    python bench/background.py [--home models/rembg] [--side 1024] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import ROOT, bench_workspace, brick_request, catalog_of, median, photo_like
from PIL import Image

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.finishing.background import background_specs, helper_kind, model_file
from qpyt_gradio.helpers.kinds import BACKGROUND_MODELS
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.workflows.runner import run_brick


def timed(call: Callable[[], object], repeats: int) -> float:
    call()  # warm: the session is loaded, onnxruntime has planned its graph
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return median(seconds)


def measure(home: Path, model: str, demo: bool, source: Path, work: Path, repeats: int) -> tuple[float, float]:
    """(brick seconds, rembg seconds) for ``model`` under ``home``."""
    import rembg

    registry = Registry(catalog_of())
    for spec in background_specs(home, demo):
        registry.register_helper(spec)
    workspace = bench_workspace(registry, work)
    brick, request = brick_request("remove_background", image=str(source), background_model=model)
    brick_seconds = timed(lambda: run_brick(workspace, Job(), brick, request), repeats)
    with registry.helper(helper_kind(model)) as loaded, Image.open(source) as image:
        image = image.convert("RGB")
        raw = timed(lambda: rembg.remove(image, session=loaded.session), repeats)
    return brick_seconds, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / "models" / "rembg")
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qpyt-bench-background-"))
    source = work / "photo.png"
    photo_like(arguments.side).save(source)
    runs = [("tiny segmenter (demo)", work / "rembg", BACKGROUND_MODELS[0], True)]
    for model in BACKGROUND_MODELS:
        if model_file(arguments.home, model).is_file():
            size_mb = model_file(arguments.home, model).stat().st_size / 1e6
            runs.append((f"{model} ({size_mb:.0f} MB)", arguments.home, model, False))
    print(f"{arguments.side}² image, CPU, median of {arguments.repeats}")
    print(f"{'model':<30}{'brick s':>9}{'rembg s':>9}{'ratio':>7}")
    for label, home, model, demo in runs:
        brick, raw = measure(home, model, demo, source, work, arguments.repeats)
        print(f"{label:<30}{brick:>9.2f}{raw:>9.2f}{brick / raw:>7.2f}")
    if len(runs) == 1:
        print(f"No real model file under {arguments.home / 'models'}: put e.g. u2net/u2net.onnx there to time it.")


if __name__ == "__main__":
    main()
