"""Models described for the planner: a loaded pipeline as it is held (weights per component in their
dtype, or the real bytes of quantized GGUF parameters; the denoiser's width, tokens and FP8 size; the
VAE's decoder), or a model not loaded yet from the size of its files."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import torch
from diffusers.hooks.layerwise_casting import DEFAULT_SKIP_MODULES_PATTERN

from qpyt_gradio.engines import Engine
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.memory import denoiser_of, module_bytes
from qpyt_gradio.models.planner import ModelShape, VaeShape
from qpyt_gradio.models.safetensors_file import read_header

CLIP_TOKENS = 77
SD3_T5_TOKENS = 256
FLUX_T5_TOKENS = 512


def describe(pipeline: Any, engine: Engine, label: str) -> ModelShape:
    """``pipeline`` (of ``engine``) as the planner sees it."""
    components = {
        name: module_bytes(module)
        for name, module in (getattr(pipeline, "components", {}) or {}).items()
        if isinstance(module, torch.nn.Module)
    }
    denoiser_name = engine.denoiser[1]
    config = getattr(pipeline, denoiser_name).config
    vae = pipeline.vae.config
    if engine.family == "sdxl":
        width, patch, tokens = config.block_out_channels[0], 1, 0
    else:
        width = config.num_attention_heads * config.attention_head_dim
        patch = 2 if engine.family == "flux" else config.patch_size
        default_t5 = FLUX_T5_TOKENS if engine.family == "flux" else SD3_T5_TOKENS
        tokens = CLIP_TOKENS * (engine.family == "sd3") + default_t5
    return ModelShape(
        label=label,
        components=components,
        denoiser=denoiser_name,
        denoiser_width=width,
        largest_layer_bytes=max((_layer_bytes(module) for module in _leaves(pipeline)), default=0),
        vae=VaeShape(vae.block_out_channels[0], vae.sample_size, 2 ** (len(vae.block_out_channels) - 1)),
        patch=patch,
        text_tokens=tokens,
        guidance_copies=2 if engine.negative_prompt else 1,
        fp8_denoiser_bytes=fp8_bytes(denoiser_of(pipeline)),
    )


def estimate(spec: ModelSpec, element_size: int) -> ModelShape | None:
    """``spec`` before it is loaded: its weights from the size of its files, nothing else known (so a plan made
    from it is a lower bound); None when its files are not on this machine yet."""
    weights = expected_bytes(spec, element_size)
    if weights is None:
        return None
    return ModelShape(spec.name, {"weights": weights}, "weights", 0, 0, VaeShape(0, 1))


FP8_LAYERS = (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.Embedding)


def fp8_bytes(denoiser: torch.nn.Module) -> int:
    """What ``denoiser`` weighs once its layers are stored in FP8 as diffusers' layerwise casting does (its skip
    patterns kept as they are); 0 for a denoiser already quantized."""
    if any(getattr(parameter, "quant_type", None) is not None for parameter in denoiser.parameters()):
        return 0
    skipped = ("_keep_in_fp32_modules", "_skip_layerwise_casting_patterns")
    kept = (getattr(denoiser, name, None) or () for name in skipped)
    patterns = {*DEFAULT_SKIP_MODULES_PATTERN, *(pattern for group in kept for pattern in group)}
    total = 0
    for name, module in denoiser.named_modules():
        cast = isinstance(module, FP8_LAYERS) and not any(re.search(pattern, name) for pattern in patterns)
        for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
            total += tensor.numel() * (1 if cast and tensor.is_floating_point() else tensor.element_size())
    return total


def expected_bytes(spec: ModelSpec, element_size: int) -> int | None:
    """About how much RAM ``spec`` takes once loaded with weights of ``element_size`` bytes: the tensors its
    safetensors files declare (a single file, or a diffusers folder's components, a hub model's newest
    downloaded snapshot; one copy where a folder holds several variants, e.g. fp16 and fp32), other weight files
    (GGUF) as they are stored; None when its files are not on this machine yet. Components a single file takes
    from its family's base are not counted."""
    location = _location(spec)
    if location.is_file():
        return _loaded_bytes(location, element_size)
    if not location.is_dir():
        return None
    index = location / "model_index.json"
    components = [location / name for name in json.loads(index.read_text())] if index.is_file() else [location]
    return sum(_one_variant(folder, element_size) for folder in components if folder.is_dir())


def _location(spec: ModelSpec) -> Path:
    if spec.source != "hub":
        return Path(spec.location)
    from huggingface_hub import constants

    snapshots = Path(constants.HF_HUB_CACHE) / f"models--{spec.location.replace('/', '--')}" / "snapshots"
    found = sorted(snapshots.iterdir(), key=lambda path: path.stat().st_mtime) if snapshots.is_dir() else []
    return found[-1] if found else snapshots


def _one_variant(folder: Path, element_size: int) -> int:
    """The weights of one component folder, counted once: the smallest of its variants (files grouped by what
    stands between their stem and suffix, shard numbers aside)."""
    variants: dict[str, int] = {}
    for path in folder.iterdir():
        if path.suffix in (".safetensors", ".gguf") and path.is_file():
            variant = SHARD.sub("", ".".join(path.name.split(".")[1:-1]))
            variants[variant] = variants.get(variant, 0) + _loaded_bytes(path, element_size)
    return min(variants.values(), default=0)


SHARD = re.compile(r"-\d{5}-of-\d{5}$")


def _loaded_bytes(path: Path, element_size: int) -> int:
    if path.suffix != ".safetensors":
        return path.stat().st_size
    try:
        entries, _metadata = read_header(path)
    except InvalidInput:
        return path.stat().st_size
    return sum(math.prod(entry["shape"]) for entry in entries.values()) * element_size


def _leaves(pipeline: Any) -> list[torch.nn.Module]:
    modules = [module for module in pipeline.components.values() if isinstance(module, torch.nn.Module)]
    return [leaf for module in modules for leaf in module.modules() if not list(leaf.children())]


def _layer_bytes(module: torch.nn.Module) -> int:
    return sum(tensor.numel() * tensor.element_size() for tensor in [*module.parameters(), *module.buffers()])
