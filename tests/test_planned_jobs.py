"""Jobs planned by the registry: the plan shown in the memory panel, a job that cannot fit refused before the
model is read (or, for the loaded model, before it runs, which stays loaded), FP8 storage on a tiny model."""

import re
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch
from support.running import run

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.models.loading import load_pipeline
from qpyt_gradio.models.memory import module_bytes, store_denoiser_in_fp8
from qpyt_gradio.models.shapes import describe, estimate, fp8_bytes
from qpyt_gradio.ui.sidebar import memory_panel

SMALL = {"prompt": "a lighthouse", "width": 64, "height": 64, "steps": 1, "seed": 3}


class Ram:
    """The RAM the registry sees as available, set by the test."""

    def __init__(self, available: int) -> None:
        self.available = available

    def __call__(self) -> int:
        return self.available


def test_the_plan_of_the_last_job_is_in_the_memory_panel(workspace):
    run(workspace, "generate", model="demo-sdxl", **{**SMALL, "num_images": 2})
    line = memory_panel(workspace)[1]
    assert "Last job: demo-sdxl at 64², 2 images: " in line
    assert re.search(r"\d+ MB predicted, [\d.]+ GB of RAM free → cpu\.", line), line


def test_a_model_too_big_for_the_ram_is_refused_before_its_files_are_read(workspace, demo_models):
    registry = workspace.registry
    registry._ram = Ram(1024)
    with pytest.raises(InvalidInput, match=r"demo-flux at 64², 1 image: .* → does not fit\. Would fit: "):
        run(workspace, "generate", model="demo-flux", **SMALL)
    assert registry.load_counts["demo-flux"] == 0
    assert "does not fit" in memory_panel(workspace)[1]
    registry._ram = Ram(10**15)
    assert run(workspace, "generate", model="demo-flux", **SMALL).paths, "the app goes on serving"


def test_a_job_too_big_for_the_loaded_model_is_refused_and_the_model_stays(workspace):
    registry = workspace.registry
    run(workspace, "generate", model="demo-sd3", **SMALL)
    registry._ram = Ram(0)  # its weights are already in RAM: only the job's working memory is missing
    with pytest.raises(InvalidInput, match=r"demo-sd3 at 512², 4 images: .* does not fit\. Would fit: "):
        run(workspace, "generate", model="demo-sd3", **{**SMALL, "width": 512, "height": 512, "num_images": 4})
    assert [row.name for row in registry.report()] == ["demo-sd3"] and registry.load_counts["demo-sd3"] == 1


def test_the_estimate_before_loading_is_a_lower_bound_of_the_loaded_weights(demo_models):
    for spec in demo_models.values():
        loaded = describe(load_pipeline(spec, torch.float32), spec.engine, spec.name)
        assert 0.9 * loaded.total_bytes <= estimate(spec, 4).total_bytes <= loaded.total_bytes


@pytest.mark.parametrize("family", ["sdxl", "flux"])
def test_fp8_storage_weighs_what_the_planner_says_and_draws_close_to_full_precision(demo_models, family):
    spec = demo_models[f"demo-{family}"]
    arguments = {"prompt": "a lighthouse", "width": 64, "height": 64, "num_inference_steps": 2}
    images = []
    for fp8 in (False, True):
        pipeline = load_pipeline(spec, torch.float32)
        denoiser = pipeline.transformer if family == "flux" else pipeline.unet
        predicted = fp8_bytes(denoiser)
        if fp8:
            store_denoiser_in_fp8(pipeline)
            assert module_bytes(denoiser) == predicted
        generator = torch.Generator().manual_seed(5)
        with torch.inference_mode():
            images.append(np.asarray(pipeline(**arguments, generator=generator).images[0], dtype=float))
    error = np.abs(images[0] - images[1]).mean()
    print(f"{family} FP8 storage vs float32: mean abs error {error:.2f} / 255")
    assert 0 < error < 8


def test_a_folder_holding_two_variants_of_a_component_is_counted_once(demo_models, tmp_path):
    spec = demo_models["demo-sdxl"]
    folder = tmp_path / "two-variants"
    shutil.copytree(spec.location, folder)
    unet = next((folder / "unet").glob("*.safetensors"))
    shutil.copy(unet, unet.with_name(unet.name.replace(".safetensors", ".fp16.safetensors")))
    copy = replace(spec, name="two-variants", location=str(folder))
    assert estimate(copy, 4).total_bytes == estimate(spec, 4).total_bytes
