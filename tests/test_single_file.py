"""Single-file checkpoints: an SD3 transformer saved in Stability's original layout.

Loaded through the same path as a user's file: detection from tensor names, the denoiser
converted by diffusers' ``from_single_file``, the other components from ``models/configs/sd3``.
"""

import shutil

import numpy as np
import pytest
from PIL import Image
from support.running import run
from support.sd3_original import write_single_file

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.settings import Settings
from qpyt_gradio.workspace import Workspace


@pytest.fixture()
def models_dir(tmp_path, demo_models):
    folder = tmp_path / "models"
    folder.mkdir()
    write_single_file(demo_models["demo-sd3"].location, folder / "tiny-sd3.safetensors")
    return folder


def image(workspace, name):
    result = run(
        workspace, "generate", prompt="a tower", model=name, width=64, height=64, steps=2, guidance=3.0, seed=3
    )
    return np.asarray(Image.open(result.paths[0]))


def workspace_on(models_dir, tmp_path, cache_dir, demo):
    return Workspace.from_settings(
        Settings(demo=demo, models_dir=models_dir, cache_dir=cache_dir, outputs_dir=tmp_path / "outputs")
    )


def test_denoiser_only_checkpoint_loads_offline_with_a_configs_folder(models_dir, demo_models, tmp_path, cache_dir):
    shutil.copytree(demo_models["demo-sd3"].location, models_dir / "configs" / "sd3")
    workspace = workspace_on(models_dir, tmp_path, cache_dir, demo=True)
    spec = workspace.catalog.get("tiny-sd3.safetensors")
    assert (spec.source, spec.family, spec.config_source) == ("file", "sd3", str(models_dir / "configs" / "sd3"))
    assert np.array_equal(image(workspace, "tiny-sd3.safetensors"), image(workspace, "demo-sd3"))


def test_without_configs_the_base_repository_is_needed_and_named(models_dir, tmp_path, cache_dir):
    workspace = workspace_on(models_dir, tmp_path, cache_dir, demo=False)
    with pytest.raises(ModelUnavailable, match=r"stable-diffusion-3\.5-medium is not in the local Hugging Face cache"):
        image(workspace, "tiny-sd3.safetensors")
