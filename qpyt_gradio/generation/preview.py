"""Live preview: a cheap linear map from latents to colours, fitted on the model's own VAE.

Decoding with the VAE at every step would slow sampling down; a 1x1 linear map per latent
pixel costs nothing and shows composition and colours well. The map is fitted once per
loaded model by encoding a few smooth random colour fields and solving a least-squares
problem, so it suits any VAE (including the tiny demo ones) without hand-copied constants.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from qpyt_gradio.engines import LatentLayout

FIT_SIZE = 128
FIT_IMAGES = 4
FIT_SEED = 1234


class LatentPreviewer:
    """Turns sampling latents into a small RGB image."""

    def __init__(self, weights: torch.Tensor, layout: LatentLayout, vae_scale: int) -> None:
        self._weights = weights
        self._layout = layout
        self._vae_scale = vae_scale

    @classmethod
    def fit(cls, vae: torch.nn.Module, device: torch.device, layout: LatentLayout) -> LatentPreviewer:
        """Fit the latent→RGB map for ``vae`` (run on ``device``, the pipeline's execution device)."""
        generator = torch.Generator().manual_seed(FIT_SEED)
        coarse = torch.rand(FIT_IMAGES, 3, 4, 4, generator=generator) * 2 - 1
        images = F.interpolate(coarse, size=(FIT_SIZE, FIT_SIZE), mode="bicubic", align_corners=False).clamp(-1, 1)
        with torch.inference_mode():
            encoded = vae.encode(images.to(device=device, dtype=vae.dtype)).latent_dist.mean.float().cpu()
        shift = getattr(vae.config, "shift_factor", None) or 0.0
        latents = (encoded - shift) * vae.config.scaling_factor
        scale = FIT_SIZE // latents.shape[-1]
        targets = F.avg_pool2d(images, scale)
        features = latents.permute(0, 2, 3, 1).reshape(-1, latents.shape[1])
        features = torch.cat([features, torch.ones(len(features), 1)], dim=1)
        colours = targets.permute(0, 2, 3, 1).reshape(-1, 3)
        weights = torch.linalg.lstsq(features, colours).solution
        return cls(weights, layout, scale)

    def __call__(self, latents: torch.Tensor, height: int, width: int) -> Image.Image:
        """Preview of the first image of a batch of sampling latents."""
        latents = latents[:1].detach().float().cpu()
        if self._layout == "packed_2x2":
            latents = unpack_2x2(latents, height // self._vae_scale, width // self._vae_scale)
        channels = latents.shape[1]
        pixels = latents[0].permute(1, 2, 0).reshape(-1, channels)
        rgb = torch.cat([pixels, torch.ones(len(pixels), 1)], dim=1) @ self._weights
        rgb = rgb.reshape(latents.shape[2], latents.shape[3], 3)
        array = ((rgb.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
        return Image.fromarray(np.ascontiguousarray(array), "RGB")


def unpack_2x2(latents: torch.Tensor, latent_height: int, latent_width: int) -> torch.Tensor:
    """FLUX packs 2x2 latent patches into tokens: (B, H/2*W/2, 4C) -> (B, C, H, W)."""
    batch, _, packed = latents.shape
    channels = packed // 4
    rows, columns = latent_height // 2, latent_width // 2
    grid = latents.view(batch, rows, columns, channels, 2, 2).permute(0, 3, 1, 4, 2, 5)
    return grid.reshape(batch, channels, rows * 2, columns * 2)
