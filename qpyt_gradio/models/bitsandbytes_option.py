"""Loading the denoiser and the T5 encoder in NF4 or int8 with bitsandbytes, where it can run.

bitsandbytes quantizes on an NVIDIA GPU: the option is offered only with CUDA and the package
installed (``pip install bitsandbytes==0.50.2``); elsewhere the page says why it is not. It applies
to hub models and diffusers folders (a single file or a GGUF keeps its own precision).
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.first_choice import gpu_memory_bytes

if TYPE_CHECKING:
    import torch

T5_ENCODERS = {"flux": "text_encoder_2", "sd3": "text_encoder_3"}
INSTALL = "pip install bitsandbytes==0.50.2"


def unavailable_reason() -> str | None:
    """Why NF4 / int8 loading cannot run on this machine, or None when it can (no torch import: the page
    asks at build)."""
    if gpu_memory_bytes() is None:
        return "NF4 / int8 loading (bitsandbytes) needs an NVIDIA GPU with CUDA; this machine has none."
    if importlib.util.find_spec("bitsandbytes") is None:
        return f"NF4 / int8 loading needs the bitsandbytes package: {INSTALL}, then restart."
    return None


def quantization_config(spec: ModelSpec, mode: str, dtype: torch.dtype) -> Any | None:
    """diffusers' quantization config quantizing ``spec``'s denoiser and T5 encoder in ``mode`` (None for
    "none" and for single files)."""
    if mode == "none" or spec.source not in ("hub", "folder"):
        return None
    from diffusers.quantizers import PipelineQuantizationConfig

    components = [spec.engine.denoiser[1], *([T5_ENCODERS[spec.family]] if spec.family in T5_ENCODERS else [])]
    if mode == "nf4":
        backend = "bitsandbytes_4bit"
        arguments = {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4", "bnb_4bit_compute_dtype": dtype}
    else:
        backend, arguments = "bitsandbytes_8bit", {"load_in_8bit": True}
    return PipelineQuantizationConfig(quant_backend=backend, quant_kwargs=arguments, components_to_quantize=components)
