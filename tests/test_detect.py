"""Recognising models from their files, and refusing bad files with a message."""

import json
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.models.detect import detect_checkpoint, detect_folder, safetensors_keys


def checkpoint(path: Path, keys: list[str]) -> Path:
    save_file({key: torch.zeros(2) for key in keys}, str(path))
    return path


@pytest.mark.parametrize(
    ("keys", "family", "structure"),
    [
        (
            ["model.diffusion_model.label_emb.0.0.weight", "conditioner.embedders.1.model.positional_embedding"],
            "sdxl",
            None,
        ),
        (["double_blocks.0.img_attn.norm.key_norm.scale", "guidance_in.in_layer.weight"], "flux", "guidance_embeds"),
        (["model.diffusion_model.double_blocks.0.img_attn.norm.key_norm.scale"], "flux", "no_guidance_embeds"),
        (
            ["joint_blocks.0.context_block.adaLN_modulation.1.bias", "joint_blocks.37.x_block.mlp.fc1.weight"],
            "sd3",
            "large",
        ),
        (["model.diffusion_model.joint_blocks.0.context_block.adaLN_modulation.1.bias"], "sd3", "medium"),
    ],
)
def test_family_from_tensor_names(tmp_path, keys, family, structure):
    detected = detect_checkpoint(checkpoint(tmp_path / "model.safetensors", keys))
    assert (detected.family, detected.structure) == (family, structure)


def test_unknown_family_is_refused(tmp_path):
    path = checkpoint(tmp_path / "sd15.safetensors", ["model.diffusion_model.input_blocks.0.0.weight"])
    with pytest.raises(ModelUnavailable, match="not a checkpoint of a supported family"):
        detect_checkpoint(path)


@pytest.mark.parametrize("suffix", [".ckpt", ".pt", ".bin", ".pth"])
def test_pickles_are_refused_without_being_read(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"\x80\x04 this would be a pickle")
    with pytest.raises(ModelUnavailable, match=r"only loads \.safetensors"):
        detect_checkpoint(path)


def test_truncated_file(tmp_path):
    path = checkpoint(tmp_path / "model.safetensors", ["double_blocks.0.img_attn.norm.key_norm.scale"])
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    with pytest.raises(ModelUnavailable, match=r"truncated.*Download it again"):
        safetensors_keys(path)


def test_corrupted_header(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 10) + b"{not json!" + b"\0" * 32)
    with pytest.raises(ModelUnavailable, match="damaged: its header is not valid safetensors JSON"):
        safetensors_keys(path)
    path.write_bytes(struct.pack("<Q", 10**9) + b"{}")
    with pytest.raises(ModelUnavailable, match="or is damaged: its header claims"):
        safetensors_keys(path)
    path.write_bytes(b"abc")
    with pytest.raises(ModelUnavailable, match="not a safetensors file"):
        safetensors_keys(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelUnavailable, match="no longer in the models folder"):
        safetensors_keys(tmp_path / "gone.safetensors")


def test_demo_folders_are_recognised_from_their_files(demo_models):
    expected = {"demo-sdxl": ("sdxl", None), "demo-flux": ("flux", "guidance_embeds"), "demo-sd3": ("sd3", "medium")}
    for name, spec in demo_models.items():
        detected = detect_folder(Path(spec.location))
        assert (detected.family, detected.structure) == expected[name]


def test_folder_of_another_pipeline(tmp_path):
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(ModelUnavailable, match="StableDiffusionPipeline pipeline"):
        detect_folder(tmp_path)
    with pytest.raises(ModelUnavailable, match="not a diffusers folder"):
        detect_folder(tmp_path / "empty")
