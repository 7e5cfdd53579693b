"""Devices, memory strategies and freeing memory.

The planner (:mod:`qpyt_gradio.models.planner`) decides how a pipeline is placed for a job;
:func:`apply_strategy` carries the plan out; nothing else in the app moves models between devices.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import torch

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.gguf_file import UNQUANTIZED

if TYPE_CHECKING:
    from qpyt_gradio.models.planner import Plan


class Strategy(StrEnum):
    """Where the weights of an image pipeline live while it runs."""

    GPU = "gpu"
    MODEL_OFFLOAD = "model_offload"
    FP8_STORAGE = "fp8_storage"
    """Model offload with the denoiser's layers stored in FP8 and computed in the pipeline's dtype."""
    GROUP_OFFLOAD = "group_offload"
    SEQUENTIAL_OFFLOAD = "sequential_offload"
    CPU = "cpu"


@dataclass(frozen=True)
class DeviceInfo:
    """The accelerator the app can use (``kind`` "cpu" when there is none)."""

    kind: str
    name: str
    total_bytes: int = 0
    free_bytes: int = 0

    @property
    def has_accelerator(self) -> bool:
        return self.kind != "cpu"

    @property
    def torch_device(self) -> torch.device:
        return torch.device("cuda" if self.kind == "cuda" else self.kind)


def probe_device() -> DeviceInfo:
    """The best accelerator present: CUDA, then Apple MPS, else the CPU."""
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return DeviceInfo("cuda", torch.cuda.get_device_name(), total, free)
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return DeviceInfo("mps", "Apple MPS", 0, 0)
    return DeviceInfo("cpu", "CPU")


HELPER_HEADROOM_BYTES = GIB


def helper_device(device: DeviceInfo, weight_bytes: int) -> torch.device | None:
    """The accelerator a helper may use — when its weights and some headroom fit in free memory — else None."""
    if not device.has_accelerator:
        return None
    if device.kind == "cuda" and weight_bytes + HELPER_HEADROOM_BYTES > device.free_bytes:
        return None
    return device.torch_device


def apply_strategy(pipeline: Any, plan: Plan, device: DeviceInfo) -> None:
    """Place ``pipeline`` as ``plan`` says. Offload calls are only made with an accelerator present."""
    strategy = plan.strategy
    if strategy is Strategy.FP8_STORAGE:
        store_denoiser_in_fp8(pipeline)
    if strategy is Strategy.CPU:
        pipeline.to("cpu")
    elif strategy is Strategy.GPU:
        pipeline.to(device.torch_device)
    elif strategy in (Strategy.MODEL_OFFLOAD, Strategy.FP8_STORAGE):
        pipeline.enable_model_cpu_offload(device=device.torch_device)
    elif strategy is Strategy.SEQUENTIAL_OFFLOAD:
        pipeline.enable_sequential_cpu_offload(device=device.torch_device)
    elif strategy is Strategy.GROUP_OFFLOAD:
        pipeline.enable_group_offload(onload_device=device.torch_device, offload_type="leaf_level", use_stream=True)
    vae = getattr(pipeline, "vae", None)
    if plan.vae_tiling and vae is not None:
        vae.enable_tiling()


def store_denoiser_in_fp8(pipeline: Any) -> None:
    """Keep the denoiser's layers in FP8 (e4m3) between uses, cast to its dtype layer by layer as it runs.
    Lossy and one-way: a pipeline placed so is released completely afterwards, never cached."""
    denoiser = denoiser_of(pipeline)
    denoiser.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=denoiser.dtype)


def denoiser_of(pipeline: Any) -> torch.nn.Module:
    """The pipeline's denoising network: its transformer (FLUX.1, SD 3.5) or UNet (SDXL)."""
    transformer = getattr(pipeline, "transformer", None)
    return transformer if transformer is not None else pipeline.unet


def dtype_for(device: DeviceInfo, requested: str = "auto") -> torch.dtype:
    """bfloat16 on GPUs that support it, float16 on other accelerators, float32 on the CPU."""
    if requested == Strategy.CPU.value:
        return torch.float32
    if device.kind == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.kind == "mps":
        return torch.float16
    return torch.float32


def module_bytes(module: torch.nn.Module) -> int:
    """Bytes held by a module's parameters and buffers, each tensor counted once."""
    seen: set[int] = set()
    total = 0
    for tensor in [*module.parameters(), *module.buffers()]:
        key = tensor.data_ptr() if tensor.device.type != "meta" else id(tensor)
        if key not in seen:
            seen.add(key)
            total += tensor.numel() * tensor.element_size()
    return total


def module_precision(module: torch.nn.Module) -> str:
    """How a module's weights are stored: the quant type of quantized (GGUF) weights, else the dtype most of
    its parameters have ("float32", "bfloat16"...)."""
    kinds: Counter[str] = Counter()
    for parameter in module.parameters():
        quant = getattr(parameter, "quant_type", None)
        kind = f"GGUF {quant.name}" if quant is not None and quant.name not in UNQUANTIZED else str(parameter.dtype)
        kinds[kind.removeprefix("torch.")] += parameter.numel()
    quantized = [kind for kind in kinds if kind.startswith("GGUF")]
    return quantized[0] if quantized else (kinds.most_common(1)[0][0] if kinds else "none")


def module_device(module: torch.nn.Module) -> str:
    """Where a module's weights are now: a device name, or "cpu+cuda" when split."""
    devices = sorted({tensor.device.type for tensor in module.parameters()})
    return "+".join(devices) if devices else "none"


def free_memory() -> None:
    """Return freed memory: collect garbage, empty the CUDA cache, trim the C heap."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.ipc_collect()
    _malloc_trim()


def _malloc_trim() -> None:
    library = ctypes.util.find_library("c")
    if library is None:
        return
    trim = getattr(ctypes.CDLL(library), "malloc_trim", None)
    if trim is not None:
        trim(0)
