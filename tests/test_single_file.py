"""Single-file checkpoints: an SD3 transformer saved in Stability's original layout.

Loaded through the same path as a user's file: detection from tensor names, the denoiser
converted by diffusers' ``from_single_file``, the other components from ``models/configs/sd3``.
"""

import shutil

import numpy as np
import pytest
from PIL import Image
from support.sd3_original import write_single_file

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.generation.request import GenerateParams, prepare
from qpyt_gradio.generation.txt2img import generate
from qpyt_gradio.models.catalog import Catalog
from qpyt_gradio.models.registry import Registry


@pytest.fixture()
def models_dir(tmp_path, demo_models):
    folder = tmp_path / "models"
    folder.mkdir()
    write_single_file(demo_models["demo-sd3"].location, folder / "tiny-sd3.safetensors")
    return folder


def image(registry, name, catalog, outputs):
    params = GenerateParams("a tower", model=name, width=64, height=64, steps=2, guidance=3.0, seed=3)
    result = generate(registry, prepare(params, catalog.resolve(name), 2048), outputs)
    return np.asarray(Image.open(result.paths[0]))


def test_denoiser_only_checkpoint_loads_offline_with_a_configs_folder(models_dir, demo_models, tmp_path):
    shutil.copytree(demo_models["demo-sd3"].location, models_dir / "configs" / "sd3")
    catalog = Catalog(models_dir, fixed=[])
    catalog.add(demo_models["demo-sd3"])
    spec = catalog.resolve("tiny-sd3.safetensors")
    assert (spec.source, spec.family, spec.config_source) == ("file", "sd3", str(models_dir / "configs" / "sd3"))
    registry = Registry(catalog)
    from_file = image(registry, "tiny-sd3.safetensors", catalog, tmp_path)
    from_folder = image(registry, "demo-sd3", catalog, tmp_path)
    assert np.array_equal(from_file, from_folder)


def test_without_configs_the_base_repository_is_needed_and_named(models_dir, tmp_path):
    catalog = Catalog(models_dir, fixed=[])
    with pytest.raises(ModelUnavailable, match=r"stable-diffusion-3\.5-medium is not in the local Hugging Face cache"):
        image(Registry(catalog), "tiny-sd3.safetensors", catalog, tmp_path)
