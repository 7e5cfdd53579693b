"""Tiny seeded LoRAs for the tiny demo pipelines, written in the diffusers format a user's LoRA has.

peft adds an adapter to a copy of the denoiser, its A and B matrices get seeded random values (peft
starts B at zero, which would change nothing) and the pipeline class's own ``save_lora_weights``
writes the file, then its header gains a trigger phrase and a title. The pipeline is left untouched.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from qpyt_gradio.demo.models import DEMO_LORAS

RANK = 4
SPREAD = 2.0  # B @ A then moves each projection by several times its own weight: a visible change on a tiny model
UNET_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
MMDIT_TARGETS = (*UNET_TARGETS, "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out")
DENOISERS = {
    "sdxl": ("unet", UNET_TARGETS),
    "flux": ("transformer", MMDIT_TARGETS),
    "sd3": ("transformer", MMDIT_TARGETS),
}


def random_lora_state_dict(model: torch.nn.Module, targets: tuple[str, ...], seed: int) -> dict[str, torch.Tensor]:
    """peft-layout LoRA tensors (``….lora_A.weight``/``….lora_B.weight``, rank 4) for ``targets`` in ``model``,
    filled with seeded random values; ``model`` itself is not changed."""
    with torch.random.fork_rng(devices=[]):
        adapted = copy.deepcopy(model)
        adapted.add_adapter(lora_config(targets), adapter_name="demo")
    layout = get_peft_model_state_dict(adapted, adapter_name="demo")
    generator = torch.Generator().manual_seed(seed)
    return {key: _random_like(tensor, generator) for key, tensor in layout.items()}


def _random_like(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Normal values, ``SPREAD`` over the square root of the fan-in."""
    values = torch.randn(tensor.shape, generator=generator, dtype=torch.float32)
    return (values * SPREAD / tensor.shape[1] ** 0.5).to(tensor.dtype).contiguous()


def lora_config(targets: tuple[str, ...]) -> LoraConfig:
    """Rank 4, alpha 4 (scale 1) on ``targets``; no initialisation, the values are set afterwards."""
    return LoraConfig(r=RANK, lora_alpha=RANK, target_modules=list(targets), init_lora_weights=False)


def build_demo_lora(pipeline: Any, family: str, destination: Path, seed: int, trigger: str | None = None) -> Path:
    """Write a tiny LoRA for ``pipeline``'s denoiser to ``destination`` (atomically); returns ``destination``.

    The header carries ``modelspec.title`` (the file's stem) and, when given, ``modelspec.trigger_phrase``.
    """
    component, targets = DENOISERS[family]
    state_dict = random_lora_state_dict(getattr(pipeline, component), targets, seed)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.stem}-", dir=destination.parent))
    try:
        type(pipeline).save_lora_weights(
            staging,
            weight_name="diffusers.safetensors",
            **{
                f"{component}_lora_layers": state_dict,
                f"{component}_lora_adapter_metadata": lora_config(targets).to_dict(),
            },
        )
        extra = {"modelspec.title": destination.stem} | ({"modelspec.trigger_phrase": trigger} if trigger else {})
        stamped = _stamp(staging / "diffusers.safetensors", staging / "stamped.safetensors", extra)
        os.replace(stamped, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def _stamp(source: Path, target: Path, extra: Mapping[str, str]) -> Path:
    """Copy of safetensors ``source`` at ``target`` with ``extra`` added to its header metadata."""
    with safe_open(str(source), framework="pt") as handle:
        metadata = handle.metadata() or {}
    save_file(load_file(str(source)), str(target), metadata={**metadata, **extra})
    return target


def build_demo_loras(folder: Path, pipelines: Mapping[str, Any]) -> list[Path]:
    """The demo LoRAs of the families in ``pipelines`` (family → pipeline) as files in ``folder``, building
    those not there yet; returns every one's path."""
    paths = []
    for lora in DEMO_LORAS:
        if lora.family not in pipelines:
            continue
        path = folder / f"{lora.name}.safetensors"
        if not path.is_file():
            build_demo_lora(pipelines[lora.family], lora.family, path, lora.seed, lora.trigger)
        paths.append(path)
    return paths
