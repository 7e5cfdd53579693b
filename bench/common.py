"""Shared helpers of the benchmark scripts: offline environment, bench-sized random models, stats,
synthetic test images."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qpyt_gradio.bricks.contract import Brick  # noqa: E402
from qpyt_gradio.bricks.table import BRICKS  # noqa: E402
from qpyt_gradio.models.catalog import Catalog, ModelSpec  # noqa: E402
from qpyt_gradio.settings import Settings  # noqa: E402
from qpyt_gradio.workspace import Workspace  # noqa: E402

if TYPE_CHECKING:
    from PIL import Image

    from qpyt_gradio.models.registry import Registry

BUILDERS = {"sdxl": "sdxl_pipeline", "flux": "flux_pipeline", "sd3": "sd3_pipeline"}
VARIANTS = {"sdxl": "base", "flux": "dev", "sd3": "medium"}
CACHE = Path(os.environ.get("QPYT_BENCH_CACHE", Path(tempfile.gettempdir()) / "qpyt-bench-models"))


def bench_model(family: str, width: int) -> ModelSpec:
    """A random-weight model of ``family`` scaled by ``width``, built once into the bench cache."""
    from qpyt_gradio.demo import pipelines
    from qpyt_gradio.demo.folders import ensure_built

    name = f"bench-{family}-w{width}"
    builder = getattr(pipelines, BUILDERS[family])
    folder = ensure_built(CACHE / name, lambda path: builder(width).save_pretrained(path))
    return ModelSpec(name, "folder", str(folder), family, VARIANTS[family])


def bench_workspace(registry: Registry, outputs: Path) -> Workspace:
    """A workspace on ``registry`` (sizes up to 4096 px), saving into ``outputs``."""
    return Workspace.around(registry, Settings(max_side=4096, cache_dir=CACHE), outputs)


def brick_request(name: str, **values: object) -> tuple[Brick, object]:
    """Brick ``name`` of the table and its request with ``values``."""
    brick = BRICKS[name]
    return brick, brick.request(**values)


def catalog_of(*specs: ModelSpec) -> Catalog:
    catalog = Catalog(CACHE / "no-user-models", fixed=[])
    for spec in specs:
        catalog.add(spec)
    return catalog


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served(*options: str, cwd: Path) -> Iterator[str]:
    """``python app.py *options`` on a free port, offline; yields its URL once it answers, stops it after."""
    port = free_port()
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, str(ROOT / "app.py"), *options, "--port", str(port)]
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def median(values: list[float]) -> float:
    return statistics.median(values)


def photo_like(side: int, seed: int = 0) -> Image.Image:
    """Smooth random colour fields, soft shapes and sensor-like grain: what a photo asks of a tracer."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8))
    field = np.asarray(coarse.resize((side, side), Image.Resampling.BICUBIC), dtype=np.float32)
    light = np.linspace(0.7, 1.15, side, dtype=np.float32)[:, None, None]
    grain = rng.normal(0, 6, (side, side, 3)).astype(np.float32)
    image = Image.fromarray(np.clip(field * light + grain, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = [*rng.integers(0, side, 2).tolist(), int(rng.integers(side // 16, side // 5))]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.integers(0, 256, 3).tolist()))
    return image.filter(ImageFilter.GaussianBlur(1.2))
