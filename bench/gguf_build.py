"""A transformer as a GGUF denoiser file, quantized with torch on the transformer's own device.

2-D weights whose rows split into 32-value blocks are written as Q8_0 or Q4_0 blocks in GGML's
layout (the bytes gguf's own ``quantize`` gives), every other tensor as F32, as in published
files; tensor names keep diffusers' layout. :func:`load_gguf_denoiser` reads the file back through
diffusers' GGUF support with the arguments the app's single-file loader uses.
"""

from __future__ import annotations

import time
from pathlib import Path

import diffusers
import numpy as np
import torch
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFWriter

QUANTS = ("Q8_0", "Q4_0")
BLOCK = 32


def _round_half_away(values: torch.Tensor) -> torch.Tensor:
    """Round half away from zero, computed as gguf's ``np_roundf`` does."""
    magnitude = values.abs()
    floored = magnitude.floor()
    return values.sign() * (floored + (2 * (magnitude - floored)).floor())


def quantize(weight: torch.Tensor, quant: str) -> torch.Tensor:
    """``weight`` (rows a multiple of 32 values) as ``quant`` blocks, uint8 shaped (rows, blocks × block bytes).

    Q8_0: per 32 values an fp16 scale ``d = max|x| / 127`` then 32 int8 ``round(x / d)``. Q4_0: an fp16
    ``d = m / -8``, ``m`` the value of largest magnitude, then 16 bytes of nibbles ``q + 8``, the first 16
    values in the low nibbles and the last 16 in the high ones.
    """
    rows, columns = weight.shape
    blocks = weight.detach().float().reshape(-1, BLOCK)
    if quant == "Q8_0":
        d = blocks.abs().amax(dim=-1, keepdim=True) / 127
        inverse = torch.where(d == 0, 0, 1 / d)
        payload = _round_half_away(blocks * inverse).to(torch.int8).view(torch.uint8)
    elif quant == "Q4_0":
        largest = blocks.gather(-1, blocks.abs().argmax(dim=-1, keepdim=True))
        d = largest / -8
        inverse = torch.where(d == 0, 0, 1 / d)
        nibbles = torch.trunc(blocks * inverse + 8.5).clamp(0, 15).to(torch.uint8).reshape(-1, 2, BLOCK // 2)
        payload = nibbles[:, 0] | (nibbles[:, 1] << 4)
    else:
        raise ValueError(f"unsupported quant type {quant!r} (one of {', '.join(QUANTS)})")
    encoded = torch.cat([d.to(torch.float16).view(torch.uint8), payload], dim=-1)
    return encoded.reshape(rows, columns // BLOCK * GGML_QUANT_SIZES[GGMLQuantizationType[quant]][1])


def write_gguf_denoiser(model: torch.nn.Module, architecture: str, quant: str, destination: Path) -> Path:
    """Save ``model``'s state dict as a GGUF file of ``architecture``, its 2-D weights in ``quant``."""
    qtype = GGMLQuantizationType[quant]
    writer = GGUFWriter(str(destination), architecture)
    writer.add_quantization_version(2)
    with torch.inference_mode():
        for name, tensor in model.state_dict().items():
            if tensor.ndim == 2 and tensor.shape[1] % BLOCK == 0:
                writer.add_tensor(name, quantize(tensor, quant).cpu().numpy(), raw_dtype=qtype)
            else:
                writer.add_tensor(name, np.ascontiguousarray(tensor.float().cpu().numpy()))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return destination


def load_gguf_denoiser(
    path: Path, class_name: str, config_folder: Path, subfolder: str, dtype: torch.dtype
) -> tuple[torch.nn.Module, float]:
    """The denoiser of a GGUF file, kept quantized and computing in ``dtype``, and the seconds its load took."""
    start = time.perf_counter()
    denoiser = getattr(diffusers, class_name).from_single_file(
        str(path),
        config=str(config_folder),
        subfolder=subfolder,
        dtype=dtype,
        quantization_config=diffusers.GGUFQuantizationConfig(compute_dtype=dtype),
    )
    return denoiser, time.perf_counter() - start
