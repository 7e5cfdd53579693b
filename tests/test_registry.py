"""The registry: one image pipeline at a time, loads once, shares weights, releases helpers."""

import gc
import weakref
from dataclasses import replace

import pytest
from support.running import run

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.helpers.kinds import ENHANCE
from qpyt_gradio.helpers.models import helper_spec
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.memory import module_bytes
from qpyt_gradio.workspace import Workspace


@pytest.fixture()
def enhancer(cache_dir):
    """The prompt enhancer helper on its tiny demo model, loaded by the real helper loader."""
    return helper_spec(ENHANCE, ENHANCE.demo_model, cache_dir / "demo-models")


def test_each_engine_loads_from_a_local_folder(registry):
    expected = {
        "demo-sdxl": "StableDiffusionXLPipeline",
        "demo-flux": "FluxPipeline",
        "demo-sd3": "StableDiffusion3Pipeline",
    }
    for name, class_name in expected.items():
        with registry.image_job(name) as job:
            assert type(job.pipeline).__name__ == class_name
            assert job.decision.strategy.value == "cpu"


def test_switching_engines_leaves_exactly_one_pipeline_alive(demo_settings, demo_models):
    """With the RAM cache off (``--ram-cache 0``), as before there was one."""
    registry = Workspace.from_settings(replace(demo_settings, ram_cache_gb=0)).registry
    assert registry.ram_cache is None
    previous: list[weakref.ref] = []
    for name in ["demo-sdxl", "demo-flux", "demo-sd3", "demo-sdxl"]:
        with registry.image_job(name) as job:
            # The previous model was freed before this one loaded, not at some later collection.
            assert [reference() for reference in previous] == [None] * len(previous)
            previous = [weakref.ref(job.pipeline), weakref.ref(job.pipeline.vae)]
        del job
        assert registry.live_pipeline_count() == 1
        assert [row.name for row in registry.report() if row.role == "image pipeline"] == [name]
    assert registry.load_counts == {"demo-sdxl": 2, "demo-flux": 1, "demo-sd3": 1}


def test_release_frees_the_pipeline_at_once_without_another_collection(workspace, registry):
    run(workspace, "generate", prompt="a", model="demo-flux", width=64, height=64, steps=2, seed=1)
    with registry.image_job("demo-flux") as job:
        transformer = weakref.ref(job.pipeline.transformer)
    del job
    registry.release_image_pipeline()
    assert transformer() is None


def test_same_model_twice_loads_once_and_variants_share_weights(registry):
    with registry.image_job("demo-sd3") as job:
        base = job.pipeline
    for task, class_name in [
        ("img2img", "StableDiffusion3Img2ImgPipeline"),
        ("inpaint", "StableDiffusion3InpaintPipeline"),
    ]:
        with registry.image_job("demo-sd3", task) as job:
            assert type(job.pipeline).__name__ == class_name
            assert job.pipeline.transformer is base.transformer
            assert job.pipeline.vae is base.vae
            assert job.pipeline.dtype == base.dtype
    with registry.image_job("demo-sd3") as job:
        assert job.pipeline is base
    assert registry.load_counts["demo-sd3"] == 1
    del base, job
    registry.release_image_pipeline()
    assert registry.live_pipeline_count() == 0


def test_helpers_load_lazily_once_and_are_released_before_generation(registry, enhancer):
    registry.register_helper(enhancer)
    assert registry.load_counts["helper:enhance"] == 0
    with registry.helper("enhance") as helper:
        reference = weakref.ref(helper.model)
        expected_bytes = module_bytes(helper.model)
    with registry.helper("enhance") as helper:
        assert helper.model is reference()
    del helper
    assert registry.load_counts["helper:enhance"] == 1
    assert [(row.name, row.role, row.bytes) for row in registry.report()] == [
        (enhancer.label, "helper", expected_bytes)
    ]

    with registry.image_job("demo-sdxl"):
        gc.collect()
        assert reference() is None
        assert [row.role for row in registry.report()] == ["image pipeline"]
    with registry.helper("enhance"):
        pass
    assert registry.load_counts["helper:enhance"] == 2
    with pytest.raises(KeyError, match="no helper 'florence'"), registry.helper("florence"):
        pass


def test_a_model_that_fails_to_load_leaves_the_registry_usable(registry, catalog, tmp_path):
    broken = tmp_path / "broken-sdxl"
    broken.mkdir()
    (broken / "model_index.json").write_text('{"_class_name": "StableDiffusionXLPipeline"}')
    catalog.add(ModelSpec("broken-sdxl", "folder", str(broken), "sdxl", "base"))
    with pytest.raises(ModelUnavailable, match="broken-sdxl could not be loaded"), registry.image_job("broken-sdxl"):
        pass
    assert registry.live_pipeline_count() == 0
    with registry.image_job("demo-flux") as job:
        assert type(job.pipeline).__name__ == "FluxPipeline"


def test_changing_the_strategy_releases_the_resident_pipeline(registry):
    with registry.image_job("demo-sdxl"):
        pass
    registry.set_requested_strategy("cpu")
    assert registry.report() == []
    with registry.image_job("demo-sdxl") as job:
        assert job.decision.strategy.value == "cpu"
    assert registry.load_counts["demo-sdxl"] == 2
