"""Write tiny GGUF denoisers from the demo models, laid out as published GGUF files are.

Each 2-D weight whose rows split into whole blocks is quantized: Q4_K with :func:`quantize_q4_k`
(gguf's Python package decodes K-quants but has no encoder for them), the other types with gguf's
own encoder; biases, norms and other small tensors stay F32, as in published files.
``general.architecture`` names the model (``flux``, ``sd3``, ``sdxl``). SD3 and the SDXL UNet are
written in Stability's original layout without its ``model.diffusion_model.`` prefix, as published
GGUF files are; the tiny FLUX in diffusers' layout, since diffusers converts original FLUX tensors
only at FLUX.1's full width.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import torch
from diffusers import FluxTransformer2DModel, SD3Transformer2DModel, UNet2DConditionModel
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFWriter, quants

from support import sdxl_original
from support.sd3_original import PREFIX, to_original

SUPER_BLOCK = 256
SUB_BLOCK = 32
SIX_BITS = 63
FOUR_BITS = 15


def _pack_six_bit(scales: np.ndarray, mins: np.ndarray) -> np.ndarray:
    """Eight 6-bit scales and mins per row in 12 bytes, the way gguf's ``Q4_K.get_scale_min`` unpacks them."""
    low_scales, high_scales = scales[:, :4], scales[:, 4:]
    low_mins, high_mins = mins[:, :4], mins[:, 4:]
    return np.concatenate(
        [
            low_scales | ((high_scales >> 4) << 6),
            low_mins | ((high_mins >> 4) << 6),
            (high_scales & 0x0F) | ((high_mins & 0x0F) << 4),
        ],
        axis=-1,
    ).astype(np.uint8)


def quantize_q4_k(array: np.ndarray) -> np.ndarray:
    """``array`` (last dimension a multiple of 256) as Q4_K blocks of 144 bytes, shaped as gguf's encoders return.

    Each super-block of 256 values holds eight sub-blocks of 32, each fitted by its own min and max:
    ``value = d * sc * q - dmin * m``, ``q`` in 0..15, the sub-block's ``sc`` and ``m`` in 6 bits, the
    super-block's ``d`` and ``dmin`` in fp16. Sub-block minimums are clipped at 0 (``m`` is unsigned).
    """
    values = np.asarray(array, dtype=np.float32)
    if values.shape[-1] % SUPER_BLOCK:
        raise ValueError(f"Q4_K needs rows that are multiples of {SUPER_BLOCK} values, not {values.shape[-1]}")
    blocks = values.reshape(-1, SUPER_BLOCK // SUB_BLOCK, SUB_BLOCK)
    low = np.minimum(blocks.min(axis=-1), 0)
    scales = (blocks.max(axis=-1) - low) / FOUR_BITS
    mins = -low
    d = (scales.max(axis=-1) / SIX_BITS).astype(np.float16)
    dmin = (mins.max(axis=-1) / SIX_BITS).astype(np.float16)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.nan_to_num(np.rint(scales / d[:, None].astype(np.float32))).clip(0, SIX_BITS).astype(np.uint8)
        m = np.nan_to_num(np.rint(mins / dmin[:, None].astype(np.float32))).clip(0, SIX_BITS).astype(np.uint8)
        step = d[:, None, None].astype(np.float32) * sc[..., None]
        offset = dmin[:, None, None].astype(np.float32) * m[..., None]
        q = np.nan_to_num(np.rint((blocks + offset) / step)).clip(0, FOUR_BITS).astype(np.uint8)
    pairs = q.reshape(len(q), 4, 2, SUB_BLOCK)
    nibbles = (pairs[:, :, 0] | (pairs[:, :, 1] << 4)).reshape(len(q), -1)
    encoded = np.concatenate(
        [d.reshape(-1, 1).view(np.uint8), dmin.reshape(-1, 1).view(np.uint8), _pack_six_bit(sc, m), nibbles], axis=-1
    )
    _block_size, type_size = GGML_QUANT_SIZES[GGMLQuantizationType.Q4_K]
    return encoded.reshape(*values.shape[:-1], values.shape[-1] // SUPER_BLOCK * type_size)


def write_gguf(tensors: dict[str, torch.Tensor], architecture: str, quant: str, destination: Path) -> Path:
    """Save ``tensors`` as a GGUF file of ``architecture``, big 2-D weights in ``quant`` (e.g. ``Q8_0``)."""
    qtype = GGMLQuantizationType[quant]
    block_size, _type_size = GGML_QUANT_SIZES[qtype]
    writer = GGUFWriter(str(destination), architecture)
    writer.add_quantization_version(2)
    for name, tensor in tensors.items():
        array = tensor.detach().float().numpy()
        if array.ndim == 2 and array.shape[1] % block_size == 0 and qtype != GGMLQuantizationType.F32:
            encoded = quantize_q4_k(array) if qtype == GGMLQuantizationType.Q4_K else quants.quantize(array, qtype)
            writer.add_tensor(name, encoded, raw_dtype=qtype)
        else:
            writer.add_tensor(name, np.ascontiguousarray(array, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return destination


def write_sd3_gguf(diffusers_folder: Path, destination: Path, quant: str = "Q8_0") -> Path:
    """The SD3 transformer of a diffusers folder as a GGUF file in the original layout (no prefix)."""
    transformer = SD3Transformer2DModel.from_pretrained(diffusers_folder, subfolder="transformer")
    original = to_original(transformer.state_dict(), transformer.config.num_layers)
    tensors = {name.removeprefix(PREFIX): tensor for name, tensor in original.items()}
    return write_gguf(tensors, "sd3", quant, destination)


def write_flux_gguf(diffusers_folder: Path, destination: Path, quant: str = "Q8_0") -> Path:
    """The FLUX transformer of a diffusers folder as a GGUF file in diffusers' layout."""
    transformer = FluxTransformer2DModel.from_pretrained(diffusers_folder, subfolder="transformer")
    return write_gguf(transformer.state_dict(), "flux", quant, destination)


def write_sdxl_gguf(diffusers_folder: Path, destination: Path, quant: str = "Q8_0") -> Path:
    """The SDXL UNet of a diffusers folder as a GGUF file in the original layout (no prefix)."""
    unet = UNet2DConditionModel.from_pretrained(diffusers_folder, subfolder="unet")
    return write_gguf(sdxl_original.to_original(unet.state_dict(), dict(unet.config)), "sdxl", quant, destination)


def wide_flux_folder(demo_folder: Path, destination: Path) -> Path:
    """A copy of the demo FLUX folder whose transformer is 256 wide (4 heads of 64), so Q4_K quantizes its layers.

    Its text and pooled projections and input channels are the demo's, so the other components still fit.
    """
    shutil.copytree(demo_folder, destination)
    config = FluxTransformer2DModel.load_config(demo_folder, subfolder="transformer")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        transformer = FluxTransformer2DModel.from_config(
            config,
            num_attention_heads=4,
            attention_head_dim=64,
            num_layers=1,
            num_single_layers=1,
            axes_dims_rope=(16, 24, 24),
        )
    shutil.rmtree(destination / "transformer")
    transformer.save_pretrained(destination / "transformer")
    return destination
