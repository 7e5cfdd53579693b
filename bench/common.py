"""Shared helpers of the benchmark scripts: offline environment, bench-sized random models, stats."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qpyt_gradio.models.catalog import Catalog, ModelSpec  # noqa: E402

BUILDERS = {"sdxl": "sdxl_pipeline", "flux": "flux_pipeline", "sd3": "sd3_pipeline"}
VARIANTS = {"sdxl": "base", "flux": "dev", "sd3": "medium"}
CACHE = Path(os.environ.get("QPYT_BENCH_CACHE", Path(tempfile.gettempdir()) / "qpyt-bench-models"))


def bench_model(family: str, width: int) -> ModelSpec:
    """A random-weight model of ``family`` scaled by ``width``, built once into the bench cache."""
    from qpyt_gradio.models import tiny

    name = f"bench-{family}-w{width}"
    builder = getattr(tiny, BUILDERS[family])
    folder = tiny.ensure_built(CACHE / name, lambda path: builder(width).save_pretrained(path))
    return ModelSpec(name, "folder", str(folder), family, VARIANTS[family])


def catalog_of(*specs: ModelSpec) -> Catalog:
    catalog = Catalog(CACHE / "no-user-models", fixed=[])
    for spec in specs:
        catalog.add(spec)
    return catalog


def median(values: list[float]) -> float:
    return statistics.median(values)
