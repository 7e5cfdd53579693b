"""Devices, memory strategies and freeing memory.

One dispatcher, :func:`choose_strategy`, decides how a pipeline is placed from a plain
description of the device and of the model's size, so the decision can be tested for any
GPU on a machine that has none. :func:`apply_strategy` carries it out; nothing else in the
app moves models between devices.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

import torch

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.gguf_file import UNQUANTIZED


class Strategy(StrEnum):
    """Where the weights of an image pipeline live while it runs."""

    GPU = "gpu"
    MODEL_OFFLOAD = "model_offload"
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


@dataclass(frozen=True)
class Footprint:
    """How many bytes a pipeline's weights take, in all and in its largest component."""

    total_bytes: int
    largest_component_bytes: int


@dataclass(frozen=True)
class Decision:
    strategy: Strategy
    reason: str
    vae_tiling: bool = False


def probe_device() -> DeviceInfo:
    """The best accelerator present: CUDA, then Apple MPS, else the CPU."""
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        return DeviceInfo("cuda", torch.cuda.get_device_name(), total, free)
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return DeviceInfo("mps", "Apple MPS", 0, 0)
    return DeviceInfo("cpu", "CPU")


def _gib(value: int) -> str:
    return f"{value / GIB:.1f} GB"


def choose_strategy(device: DeviceInfo, footprint: Footprint, working_bytes: int, requested: str = "auto") -> Decision:
    """Pick a strategy for a pipeline of ``footprint`` on ``device``.

    ``working_bytes`` is what sampling needs besides the weights (activations, VAE decode).
    With ``requested`` other than "auto" the user's choice is kept when the device allows it.
    """
    if not device.has_accelerator:
        note = "" if requested in ("auto", "cpu") else f" ({requested} needs a GPU)"
        return Decision(Strategy.CPU, f"No GPU found: running on the CPU{note}.")
    if device.kind == "mps":
        return Decision(Strategy.GPU, "Apple MPS shares memory with the CPU: whole pipeline on MPS.")
    if requested not in ("auto", ""):
        strategy = Strategy(requested)
        tiling = strategy in (Strategy.SEQUENTIAL_OFFLOAD, Strategy.GROUP_OFFLOAD)
        return Decision(strategy, f"{strategy.value} chosen in settings.", vae_tiling=tiling)
    vram = device.free_bytes
    if footprint.total_bytes + working_bytes <= vram:
        return Decision(
            Strategy.GPU, f"Whole pipeline on GPU: {_gib(footprint.total_bytes)} fits in {_gib(vram)} free."
        )
    if footprint.largest_component_bytes + working_bytes <= vram:
        return Decision(
            Strategy.MODEL_OFFLOAD,
            f"Model offload: {_gib(footprint.total_bytes)} does not fit in {_gib(vram)}; one component at a time does.",
        )
    return Decision(
        Strategy.GROUP_OFFLOAD if device.kind == "cuda" else Strategy.SEQUENTIAL_OFFLOAD,
        f"Low VRAM ({_gib(vram)}): the largest component ({_gib(footprint.largest_component_bytes)}) is streamed "
        "layer by layer; VAE tiling on.",
        vae_tiling=True,
    )


HELPER_HEADROOM_BYTES = GIB


def helper_device(device: DeviceInfo, weight_bytes: int) -> torch.device | None:
    """The accelerator a helper may use — when its weights and some headroom fit in free memory — else None."""
    if not device.has_accelerator:
        return None
    if device.kind == "cuda" and weight_bytes + HELPER_HEADROOM_BYTES > device.free_bytes:
        return None
    return device.torch_device


def apply_strategy(pipeline: object, decision: Decision, device: DeviceInfo) -> None:
    """Place ``pipeline`` as ``decision`` says. Offload calls are only made with an accelerator present."""
    strategy = decision.strategy
    if strategy is Strategy.CPU:
        pipeline.to("cpu")
    elif strategy is Strategy.GPU:
        pipeline.to(device.torch_device)
    elif strategy is Strategy.MODEL_OFFLOAD:
        pipeline.enable_model_cpu_offload(device=device.torch_device)
    elif strategy is Strategy.SEQUENTIAL_OFFLOAD:
        pipeline.enable_sequential_cpu_offload(device=device.torch_device)
    elif strategy is Strategy.GROUP_OFFLOAD:
        pipeline.enable_group_offload(onload_device=device.torch_device, offload_type="leaf_level", use_stream=True)
    vae = getattr(pipeline, "vae", None)
    if decision.vae_tiling and vae is not None:
        vae.enable_tiling()


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
