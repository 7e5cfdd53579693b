"""Write a diffusers SDXL UNet in the original (Stability, "LDM") single-file layout.

diffusers only converts original checkpoints *to* its own layout; the tests need the other direction
to write GGUF UNets as published ones are laid out. This is the inverse of diffusers' renames for a
UNet of any number of blocks and layers per block.
"""

from __future__ import annotations

from typing import Any

import torch

PREFIX = "model.diffusion_model."
RESNET = {
    "norm1": "in_layers.0",
    "conv1": "in_layers.2",
    "norm2": "out_layers.0",
    "conv2": "out_layers.3",
    "time_emb_proj": "emb_layers.1",
    "conv_shortcut": "skip_connection",
}
TOP = {
    "time_embedding.linear_1": "time_embed.0",
    "time_embedding.linear_2": "time_embed.2",
    "add_embedding.linear_1": "label_emb.0.0",
    "add_embedding.linear_2": "label_emb.0.2",
    "conv_in": "input_blocks.0.0",
    "conv_norm_out": "out.0",
    "conv_out": "out.2",
}


def _prefixes(config: dict[str, Any]) -> dict[str, str]:
    """diffusers module prefix → original prefix, for every block of a UNet of ``config``."""
    per_block = config["layers_per_block"]
    blocks = len(config["block_out_channels"])
    renames = dict(TOP)
    for i in range(blocks):
        for j in range(per_block):
            renames[f"down_blocks.{i}.resnets.{j}"] = f"input_blocks.{(per_block + 1) * i + j + 1}.0"
            renames[f"down_blocks.{i}.attentions.{j}"] = f"input_blocks.{(per_block + 1) * i + j + 1}.1"
        renames[f"down_blocks.{i}.downsamplers.0.conv"] = f"input_blocks.{(per_block + 1) * (i + 1)}.0.op"
        attends = config["up_block_types"][i].startswith("CrossAttn")
        for j in range(per_block + 1):
            renames[f"up_blocks.{i}.resnets.{j}"] = f"output_blocks.{(per_block + 1) * i + j}.0"
            renames[f"up_blocks.{i}.attentions.{j}"] = f"output_blocks.{(per_block + 1) * i + j}.1"
        renames[f"up_blocks.{i}.upsamplers.0"] = (
            f"output_blocks.{(per_block + 1) * i + per_block}.{2 if attends else 1}"
        )
    renames["mid_block.attentions.0"] = "middle_block.1"
    for j in range(2):
        renames[f"mid_block.resnets.{j}"] = f"middle_block.{2 * j}"
    return renames


def to_original(state: dict[str, torch.Tensor], config: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Original-layout tensors (without the ``model.diffusion_model.`` prefix) of an SDXL UNet."""
    renames = sorted(_prefixes(config).items(), key=lambda pair: -len(pair[0]))
    out = {}
    for name, tensor in state.items():
        prefix, original = next((ours, theirs) for ours, theirs in renames if name.startswith(ours + "."))
        rest = name[len(prefix) + 1 :]
        if ".resnets." in prefix:
            part, _, kind = rest.partition(".")
            rest = f"{RESNET[part]}.{kind}"
        out[f"{original}.{rest}"] = tensor
    return out
