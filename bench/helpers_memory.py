"""Peak RSS of caption → translate → enhance → generate ÷ max(helpers alone, image pipeline alone).

Each scenario runs in a fresh process through the registry, with random-weight helpers and an
SDXL-shaped pipeline of a few hundred MB each. The registry releases the helpers before the
pipeline loads, so the sequence should cost no more than the larger of the two. Goal: <= 1.1.

    python bench/helpers_memory.py [--helper-width 48] [--pipeline-width 12]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from common import CACHE, bench_model, bench_workspace, brick_request, catalog_of

SCENARIOS = {"helpers": ["caption", "translate", "enhance"], "pipeline": ["generate"]}
SCENARIOS["sequence"] = SCENARIOS["helpers"] + SCENARIOS["pipeline"]


def bench_helpers(width: int) -> dict:
    """Registry helper specs for bench-sized random helpers, built once into the bench cache."""
    from qpyt_gradio.demo import helper_models
    from qpyt_gradio.demo.folders import ensure_built
    from qpyt_gradio.helpers.kinds import HELPER_KINDS
    from qpyt_gradio.helpers.models import helper_spec

    specs = {}
    for kind, helper in HELPER_KINDS.items():
        writer = getattr(helper_models, helper.demo_writer)
        folder = ensure_built(CACHE / f"bench-{kind}-w{width}", lambda path, w=writer: w(path, width))
        specs[kind] = helper_spec(helper, str(folder), CACHE)
    return specs


def child(steps: list[str], helper_width: int, pipeline_width: int) -> None:
    from PIL import Image

    from qpyt_gradio.bricks.contract import Job
    from qpyt_gradio.models.registry import Registry

    spec = bench_model("sdxl", pipeline_width)
    registry = Registry(catalog_of(spec))
    for helper in bench_helpers(helper_width).values():
        registry.register_helper(helper)
    work = Path(tempfile.mkdtemp(prefix="qpyt-helpers-memory-"))
    picture = work / "picture.png"
    Image.new("RGB", (512, 384), "orange").save(picture)
    workspace = bench_workspace(registry, work)
    requests = {
        "caption": brick_request("caption", image=str(picture), task="detailed"),
        "translate": brick_request("translate", text="un chat noir assis sur une chaise, lumière douce"),
        "enhance": brick_request("enhance_prompt", text="a cat on a chair", engine="sdxl", creativity=0.7, seed=1),
        "generate": brick_request("generate", prompt="a cat", model=spec.name, width=128, height=128, steps=2, seed=1),
    }
    for step in steps:
        brick, request = requests[step]
        brick.execute(workspace, Job(), request)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"steps": steps, "peak_mib": peak_mib, "loads": dict(registry.load_counts)}))


def run(steps: list[str], helper_width: int, pipeline_width: int) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        ",".join(steps),
        "--helper-width",
        str(helper_width),
        "--pipeline-width",
        str(pipeline_width),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--helper-width", type=int, default=48)
    parser.add_argument("--pipeline-width", type=int, default=12)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child.split(","), arguments.helper_width, arguments.pipeline_width)
        return
    bench_helpers(arguments.helper_width)
    bench_model("sdxl", arguments.pipeline_width)
    peaks = {name: run(steps, arguments.helper_width, arguments.pipeline_width) for name, steps in SCENARIOS.items()}
    for name, result in peaks.items():
        print(f"{name:9s} {' -> '.join(result['steps']):42s} peak RSS {result['peak_mib']:7.0f} MiB")
    largest = max(peaks["helpers"]["peak_mib"], peaks["pipeline"]["peak_mib"])
    print(f"ratio sequence / max(helpers, pipeline) = {peaks['sequence']['peak_mib'] / largest:.3f}  (goal <= 1.1)")


if __name__ == "__main__":
    main()
