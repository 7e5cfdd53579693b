"""Write tiny GGUF denoisers from the demo models, laid out as published GGUF files are.

Each 2-D weight whose rows split into whole blocks is quantized with gguf's own encoder; biases,
norms and other small tensors stay F32, as in published files. ``general.architecture`` names
the model (``flux``, ``sd3``). SD3 is written in Stability's original layout; the tiny FLUX in
diffusers' layout, since diffusers converts original FLUX tensors only at FLUX.1's full width.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from diffusers import FluxTransformer2DModel, SD3Transformer2DModel
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFWriter, quants

from support.sd3_original import PREFIX, to_original


def write_gguf(tensors: dict[str, torch.Tensor], architecture: str, quant: str, destination: Path) -> Path:
    """Save ``tensors`` as a GGUF file of ``architecture``, big 2-D weights in ``quant`` (e.g. ``Q8_0``)."""
    qtype = GGMLQuantizationType[quant]
    block_size, _type_size = GGML_QUANT_SIZES[qtype]
    writer = GGUFWriter(str(destination), architecture)
    writer.add_quantization_version(2)
    for name, tensor in tensors.items():
        array = tensor.detach().float().numpy()
        if array.ndim == 2 and array.shape[1] % block_size == 0 and qtype != GGMLQuantizationType.F32:
            writer.add_tensor(name, quants.quantize(array, qtype), raw_dtype=qtype)
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
