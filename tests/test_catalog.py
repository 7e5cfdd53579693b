"""The model list: scanning models/, resolving names, hub ids offline."""

import shutil

import pytest
import torch
from safetensors.torch import save_file

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.models.catalog import DEFAULT_HUB_MODELS, Catalog, NotListed


def test_scan_lists_folders_and_checkpoints_and_explains_the_rest(tmp_path, demo_models):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(demo_models["demo-sd3"].location, models / "my-sd3-medium")
    save_file(
        {"double_blocks.0.img_attn.norm.key_norm.scale": torch.zeros(1)}, str(models / "flux-schnell-q.safetensors")
    )
    (models / "old.ckpt").write_bytes(b"x")
    (models / "broken.safetensors").write_bytes(b"abc")
    (models / "notes.txt").write_text("ignored")
    catalog = Catalog(models, fixed=[])
    specs = {spec.name: spec for spec in catalog.specs()}
    assert set(specs) == {"my-sd3-medium", "flux-schnell-q.safetensors"}
    assert (specs["my-sd3-medium"].source, specs["my-sd3-medium"].family, specs["my-sd3-medium"].variant) == (
        "folder",
        "sd3",
        "medium",
    )
    assert (specs["flux-schnell-q.safetensors"].family, specs["flux-schnell-q.safetensors"].variant) == (
        "flux",
        "schnell",
    )
    with pytest.raises(ModelUnavailable, match="pickle"):
        catalog.get("old.ckpt")
    with pytest.raises(ModelUnavailable, match="not a safetensors file"):
        catalog.get("broken.safetensors")
    (models / "broken.safetensors").unlink()
    catalog.refresh()
    with pytest.raises(ModelUnavailable, match=r"Unknown model 'broken\.safetensors'"):
        catalog.get("broken.safetensors")


def test_unknown_names_never_become_paths(tmp_path):
    catalog = Catalog(tmp_path, fixed=[])
    for name in ["../../etc/passwd", "/etc/passwd", "nope", "a/../../b"]:
        with pytest.raises(ModelUnavailable, match="Unknown model"):
            catalog.get(name)


def test_default_hub_list_is_offered_without_download(tmp_path):
    catalog = Catalog(tmp_path / "absent")
    names = [name for _, name in catalog.choices()]
    assert [spec.name for spec in DEFAULT_HUB_MODELS] == sorted(names, key=[s.name for s in DEFAULT_HUB_MODELS].index)
    turbo = catalog.get("stabilityai/sdxl-turbo")
    assert (turbo.family, turbo.variant, turbo.defaults.steps, turbo.defaults.width) == ("sdxl", "turbo", 2, 512)


def test_an_unlisted_hub_id_is_looked_up_only_by_the_workspace(workspace):
    before = workspace.catalog.specs()
    with pytest.raises(NotListed, match="not in the model list"):
        workspace.catalog.get("someone/some-model")
    assert workspace.catalog.specs() == before, "a lookup changes nothing"
    with pytest.raises(ModelUnavailable, match=r"Hub cannot be reached.*--demo"):
        workspace.model("someone/some-model")
    assert workspace.catalog.specs() == before
    assert workspace.model("").name == workspace.catalog.default_name()


def test_demo_models_come_first_with_their_small_defaults(catalog):
    assert catalog.default_name().startswith("demo-")
    spec = catalog.get("demo-sdxl")
    assert (spec.defaults.width, spec.defaults.steps) == (128, 4)
    assert "draws noise" in spec.label
