"""The RAM cache: released models wait in CPU RAM within a budget; switching back reads no file and gives
the same pixels; the cache leaves first under pressure; settings are checked."""

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from support.running import run

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.ram_cache import RamCache
from qpyt_gradio.settings import SettingsError, load_settings, total_ram_bytes
from qpyt_gradio.workspace import Workspace

PLENTY = 10**15
SMALL = {"width": 64, "height": 64, "steps": 2, "seed": 7}


def cached_workspace(demo_settings, budget_gb: float, available: int = PLENTY) -> Workspace:
    workspace = Workspace.from_settings(replace(demo_settings, ram_cache_gb=budget_gb))
    workspace.registry.ram_cache = RamCache(int(budget_gb * GIB), available=lambda: available)
    return workspace


def pixels(workspace: Workspace, model: str, **values) -> np.ndarray:
    result = run(workspace, "generate", prompt="a lighthouse", model=model, **{**SMALL, **values})
    return np.asarray(Image.open(result.paths[0]))


def test_switching_back_reads_no_file_and_gives_the_same_pixels(demo_settings, demo_models):
    workspace = cached_workspace(demo_settings, 2.0)
    registry = workspace.registry
    first = pixels(workspace, "demo-sdxl")
    pixels(workspace, "demo-flux")
    assert [row.name for row in registry.report() if row.role == "RAM cache"] == ["demo-sdxl"]
    again = pixels(workspace, "demo-sdxl")
    assert registry.load_counts == {"demo-sdxl": 1, "demo-flux": 1}
    assert registry.cache_hits == {"demo-sdxl": 1}
    assert np.array_equal(first, again)


def test_a_model_is_cached_as_its_base_model_without_its_loras(demo_settings, demo_models):
    workspace = cached_workspace(demo_settings, 2.0)
    plain = pixels(workspace, "demo-sdxl")
    with_lora = pixels(workspace, "demo-sdxl", loras=[["demo-sdxl-ink", 1.0]])
    assert not np.array_equal(plain, with_lora)
    pixels(workspace, "demo-flux")
    assert np.array_equal(pixels(workspace, "demo-sdxl"), plain), "the cached model came back with no LoRA"
    assert np.array_equal(pixels(workspace, "demo-sdxl", loras=[["demo-sdxl-ink", 1.0]]), with_lora)


def test_the_budget_is_never_exceeded_and_the_oldest_leaves_first(demo_settings, demo_models):
    workspace = cached_workspace(demo_settings, 1.0)
    registry = workspace.registry
    sizes = {}
    for model in ("demo-sdxl", "demo-flux", "demo-sd3"):
        pixels(workspace, model)
        sizes[model] = next(row.bytes for row in registry.report() if row.role == "image pipeline")
    registry.unload_all()
    budget = sizes["demo-sdxl"] + sizes["demo-flux"] - 1  # either fits, not both
    registry.ram_cache = RamCache(budget, available=lambda: PLENTY)
    registry.load_counts.clear()
    cached = []
    for model in ("demo-sdxl", "demo-flux", "demo-sd3", "demo-flux"):
        pixels(workspace, model)
        assert registry.ram_cache.used_bytes <= budget
        cached.append([item.name for item in registry.ram_cache.report()])
    assert cached[:3] == [[], ["demo-sdxl"], ["demo-flux"]], "sdxl, the oldest, left for flux"
    assert registry.cache_hits["demo-flux"] == 1 and registry.load_counts["demo-flux"] == 1


def test_under_pressure_the_cache_is_dropped_before_a_model_loads(demo_settings, demo_models):
    workspace = cached_workspace(demo_settings, 2.0, available=0)
    registry = workspace.registry
    pixels(workspace, "demo-sdxl")
    pixels(workspace, "demo-flux")  # sdxl was kept: it was in RAM already; then dropped before flux loaded
    assert registry.ram_cache.report() == [] and registry.live_pipeline_count() == 1
    pixels(workspace, "demo-sdxl")
    assert registry.load_counts["demo-sdxl"] == 2


def test_free_memory_empties_the_cache(demo_settings, demo_models):
    workspace = cached_workspace(demo_settings, 2.0)
    pixels(workspace, "demo-sdxl")
    pixels(workspace, "demo-flux")
    workspace.registry.unload_all()
    assert workspace.registry.report() == [] and workspace.registry.live_pipeline_count() == 0


def test_a_pipeline_larger_than_the_budget_or_the_free_ram_is_not_kept():
    cache = RamCache(100, available=lambda: 0)
    assert not cache.fits(101, in_ram=True) and not cache.fits(0, in_ram=True)
    assert cache.fits(100, in_ram=True), "a pipeline on the CPU takes no more RAM by staying"
    assert not cache.fits(100, in_ram=False), "moving one off the GPU needs free RAM"


def test_ram_cache_settings(demo_settings, demo_models):
    assert load_settings([], {}).ram_cache_bytes(8 * GIB) == 4 * GIB
    assert load_settings(["--ram-cache", "1.5"], {}).ram_cache_bytes(8 * GIB) == int(1.5 * GIB)
    assert load_settings([], {"QPYT_RAM_CACHE": "2"}).ram_cache_gb == 2.0
    assert Workspace.from_settings(replace(demo_settings, ram_cache_gb=0)).registry.ram_cache is None
    with pytest.raises(SettingsError, match="0 turns the cache off"):
        load_settings(["--ram-cache", "-1"], {})
    too_much = str(2 * total_ram_bytes() / GIB)
    with pytest.raises(SettingsError, match=r"more than this machine's RAM \(\d+\.\d GB\): use at most"):
        load_settings(["--ram-cache", too_much], {})
