"""A translate → generate → upscale → remove_background → vectorize chain through the workflow runner ÷
the same brick functions called one after another by hand, same seeds; and whether their outputs match.

The runner adds what a workflow needs: checking and planning the document, deciding and recording
it, routing each output into the next step, and writing the workflow into every output. Runs
alternate (by hand, runner, by hand, runner...); the figure is the median of the ratios of
neighbouring runs. Goal: <= 1.02, and identical pixels (the SVG compared without its metadata).

    python bench/workflow.py [--width 4] [--size 256] [--steps 8] [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import CACHE, bench_model, median
from PIL import Image

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.settings import Settings
from qpyt_gradio.workflows.document import read_workflow
from qpyt_gradio.workflows.plan import GivenFiles
from qpyt_gradio.workflows.runner import run_workflow
from qpyt_gradio.workspace import Workspace

FRENCH = "un phare rouge sur une falaise au coucher du soleil"


def chain(model: str, size: int, steps: int) -> list[dict[str, Any]]:
    """The steps' parameters, fixed seeds included: what both paths run."""
    return [
        {"brick": "translate", "params": {"text": FRENCH}},
        {"brick": "generate", "params": {"model": model, "width": size, "height": size, "steps": steps, "seed": 11}},
        {"brick": "upscale", "params": {"model": model, "scale": 1.5, "strength": 0.5, "steps": steps, "seed": 12}},
        {"brick": "remove_background", "params": {"output": "transparent"}},
        {"brick": "vectorize", "params": {"preset": "logo", "colors": 8}},
    ]


def by_hand(workspace: Workspace, steps: list[dict[str, Any]]) -> list[Result]:
    """Each brick's function called with the previous output, as a script would."""
    results: list[Result] = []
    for step in steps:
        brick = BRICKS[step["brick"]]
        values = dict(step["params"])
        if results and results[-1].text:
            values["prompt"] = results[-1].text
        elif results:
            values["image"] = str(results[-1].paths[0])
        results.append(brick.execute(workspace, Job(), brick.request(**values)))
    return results


def through_runner(workspace: Workspace, steps: list[dict[str, Any]]) -> list[Result]:
    workflow = read_workflow({"version": 1, "name": "bench", "steps": steps}, workspace.limits)
    return [outcome.result for outcome in run_workflow(workspace, Job(), workflow, GivenFiles([])).outcomes]


def same_outputs(first: list[Result], second: list[Result]) -> bool:
    """Texts equal, images equal pixel for pixel, SVGs equal once their metadata is set aside."""
    for one, other in zip(first, second, strict=True):
        if one.text != other.text:
            return False
        for path, twin in zip(one.paths, other.paths, strict=True):
            if path.suffix == ".svg":
                if _drawing(path) != _drawing(twin):
                    return False
            elif not np.array_equal(np.asarray(Image.open(path)), np.asarray(Image.open(twin))):
                return False
    return True


def _drawing(path: Path) -> str:
    return re.sub(r"<metadata[^>]*>.*?</metadata>", "", path.read_text(), flags=re.DOTALL)


def timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4, help="model width multiplier")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    settings = Settings(demo=True, cache_dir=CACHE, max_side=4096)
    workspace = Workspace.from_settings(settings, outputs_dir=Path(tempfile.mkdtemp(prefix="qpyt-bench-workflow-")))
    spec = bench_model("sdxl", arguments.width)
    workspace.catalog.add(spec)
    steps = chain(spec.name, arguments.size, arguments.steps)
    identical = same_outputs(by_hand(workspace, steps), through_runner(workspace, steps))
    hand_times, runner_times = [], []
    for _ in range(arguments.runs):
        hand_times.append(timed(lambda: by_hand(workspace, steps))[0])
        runner_times.append(timed(lambda: through_runner(workspace, steps))[0])
    paired = [runner / hand for runner, hand in zip(runner_times, hand_times, strict=True)]
    print(
        f"chain: {' → '.join(step['brick'] for step in steps)}; model {spec.name}, {arguments.size}², "
        f"{arguments.steps} steps"
    )
    print(f"by hand         median {median(hand_times):.3f} s  runs {[round(t, 3) for t in hand_times]}")
    print(f"through runner  median {median(runner_times):.3f} s  runs {[round(t, 3) for t in runner_times]}")
    print(f"ratio runner / by hand = {median(paired):.3f} (median of paired runs)  (goal <= 1.02)")
    print(f"same outputs (pixels, text, SVG drawing): {'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
