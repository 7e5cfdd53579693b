"""LoRA files for the tests: a Kohya-layout LoRA for the tiny SDXL UNet, real-size headers, and bad files."""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from qpyt_gradio.demo.loras import RANK, UNET_TARGETS, random_lora_state_dict

KOHYA_TAGS = {"10_ink": {"ink": 12, "sketch": 5, "monochrome": 7}, "5_paper": {"paper": 3, "sketch": 4}}


def kohya_sdxl_lora(pipeline: Any, path: Path, seed: int) -> Path:
    """A tiny LoRA for ``pipeline``'s SDXL UNet in Kohya layout (``lora_unet_…`` with ``lora_down``/``lora_up`` and
    ``alpha``), with the ``ss_tag_frequency`` metadata kohya's trainer writes."""
    tensors: dict[str, torch.Tensor] = {}
    for key, tensor in random_lora_state_dict(pipeline.unet, UNET_TARGETS, seed).items():
        module, kind, _ = key.rsplit(".", 2)
        name = "lora_unet_" + module.replace(".", "_")
        tensors[f"{name}.{'lora_down' if kind == 'lora_A' else 'lora_up'}.weight"] = tensor
        tensors[f"{name}.alpha"] = torch.tensor(float(RANK))
    metadata = {"ss_network_dim": str(RANK), "ss_network_alpha": str(RANK), "ss_tag_frequency": json.dumps(KOHYA_TAGS)}
    save_file(tensors, str(path), metadata=metadata)
    return path


def header_only_lora(
    path: Path, shapes: Mapping[str, tuple[int, ...]], metadata: Mapping[str, str] | None = None
) -> Path:
    """A safetensors file whose tensors are zeros of the given shapes, to mimic a real model's layout cheaply."""
    save_file(
        {key: torch.zeros(shape, dtype=torch.float16) for key, shape in shapes.items()}, str(path), metadata=metadata
    )
    return path


def sd15_lora(path: Path) -> Path:
    """An SD 1.5 Kohya LoRA: cross-attention keys are 768 wide (CLIP ViT-L)."""
    block = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"
    return header_only_lora(path, {f"{block}.lora_down.weight": (8, 768), f"{block}.lora_up.weight": (320, 8)})


def pickle_file(path: Path) -> Path:
    """A PyTorch pickle (zip) checkpoint; the code under test must refuse it without loading it."""
    torch.save({"lora_unet_x.lora_down.weight": torch.zeros(2, 2)}, path)
    return path


def random_bytes(path: Path) -> Path:
    path.write_bytes(random.Random(0).randbytes(512))
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def truncated(path: Path) -> Path:
    """A LoRA whose last bytes are missing, as after an interrupted download."""
    sd15_lora(path)
    path.write_bytes(path.read_bytes()[:-100])
    return path


def not_a_lora(path: Path) -> Path:
    """A checkpoint fragment: real tensors, none of them LoRA weights."""
    return header_only_lora(
        path, {"model.diffusion_model.input_blocks.0.0.weight": (4, 4), "vae.decoder.conv_in.bias": (4,)}
    )


def huge_header(path: Path) -> Path:
    """A (sparse) file whose header claims 150 MB, over the limit safetensors sets."""
    length = 150 * 1024 * 1024
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", length))
        handle.truncate(8 + length + 1024)
    return path


def header_past_end(path: Path) -> Path:
    """A file whose header claims more bytes than the file has."""
    path.write_bytes(struct.pack("<Q", 1000) + b"{}")
    return path


def invalid_json(path: Path) -> Path:
    text = b'{"a": {"dtype": "F16", "shape": [2], '
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    return path
