"""Write a diffusers SD3 transformer in the original (Stability) single-file layout.

diffusers only converts original checkpoints *to* its own layout; the tests need the other
direction to produce a real single-file checkpoint from a tiny model built here. This is the
inverse of the renames, q/k/v splits and scale/shift swap that diffusers applies.
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import SD3Transformer2DModel
from safetensors.torch import save_file

PREFIX = "model.diffusion_model."


def _swap_halves(tensor: torch.Tensor) -> torch.Tensor:
    first, second = tensor.chunk(2, dim=0)
    return torch.cat([second, first], dim=0)


def _block(state: dict[str, torch.Tensor], i: int, last: bool, out: dict[str, torch.Tensor]) -> None:
    block = f"transformer_blocks.{i}."
    x, context = f"joint_blocks.{i}.x_block.", f"joint_blocks.{i}.context_block."
    for kind in ("weight", "bias"):
        out[x + f"attn.qkv.{kind}"] = torch.cat([state[block + f"attn.to_{name}.{kind}"] for name in "qkv"])
        out[context + f"attn.qkv.{kind}"] = torch.cat([state[block + f"attn.add_{name}_proj.{kind}"] for name in "qkv"])
        out[x + f"attn.proj.{kind}"] = state[block + f"attn.to_out.0.{kind}"]
        out[x + f"adaLN_modulation.1.{kind}"] = state[block + f"norm1.linear.{kind}"]
        out[x + f"mlp.fc1.{kind}"] = state[block + f"ff.net.0.proj.{kind}"]
        out[x + f"mlp.fc2.{kind}"] = state[block + f"ff.net.2.{kind}"]
        modulation = state[block + f"norm1_context.linear.{kind}"]
        out[context + f"adaLN_modulation.1.{kind}"] = _swap_halves(modulation) if last else modulation
        if not last:
            out[context + f"attn.proj.{kind}"] = state[block + f"attn.to_add_out.{kind}"]
            out[context + f"mlp.fc1.{kind}"] = state[block + f"ff_context.net.0.proj.{kind}"]
            out[context + f"mlp.fc2.{kind}"] = state[block + f"ff_context.net.2.{kind}"]
    for ours, theirs in (("norm_q", "ln_q"), ("norm_k", "ln_k")):
        out[x + f"attn.{theirs}.weight"] = state[block + f"attn.{ours}.weight"]
    for ours, theirs in (("norm_added_q", "ln_q"), ("norm_added_k", "ln_k")):
        out[context + f"attn.{theirs}.weight"] = state[block + f"attn.{ours}.weight"]


def to_original(state: dict[str, torch.Tensor], num_layers: int) -> dict[str, torch.Tensor]:
    """Original-layout tensors (with the ``model.diffusion_model.`` prefix) for an SD3 transformer."""
    out = {
        "pos_embed": state["pos_embed.pos_embed"],
        "x_embedder.proj.weight": state["pos_embed.proj.weight"],
        "x_embedder.proj.bias": state["pos_embed.proj.bias"],
        "final_layer.linear.weight": state["proj_out.weight"],
        "final_layer.linear.bias": state["proj_out.bias"],
        "final_layer.adaLN_modulation.1.weight": _swap_halves(state["norm_out.linear.weight"]),
        "final_layer.adaLN_modulation.1.bias": _swap_halves(state["norm_out.linear.bias"]),
    }
    renames = {
        "t_embedder.mlp.0": "time_text_embed.timestep_embedder.linear_1",
        "t_embedder.mlp.2": "time_text_embed.timestep_embedder.linear_2",
        "y_embedder.mlp.0": "time_text_embed.text_embedder.linear_1",
        "y_embedder.mlp.2": "time_text_embed.text_embedder.linear_2",
        "context_embedder": "context_embedder",
    }
    for theirs, ours in renames.items():
        for kind in ("weight", "bias"):
            out[f"{theirs}.{kind}"] = state[f"{ours}.{kind}"]
    for i in range(num_layers):
        _block(state, i, i == num_layers - 1, out)
    return {PREFIX + key: tensor.contiguous() for key, tensor in out.items()}


def write_single_file(diffusers_folder: Path, destination: Path) -> Path:
    """Save the transformer of an SD3 diffusers folder as an original-layout ``.safetensors``."""
    transformer = SD3Transformer2DModel.from_pretrained(diffusers_folder, subfolder="transformer")
    save_file(to_original(transformer.state_dict(), transformer.config.num_layers), str(destination))
    return destination
