"""Full-size SDXL, FLUX.1-dev and SD 3.5 Large pipelines from their published configs, random weights.

Speed and memory do not depend on the weight values, so these stand in for the real models
with no download. Modules are created directly on the target device in the target dtype (on
``meta`` to count parameters without memory).
"""

from __future__ import annotations

import torch
from diffusers import (
    AutoencoderKL,
    EulerDiscreteScheduler,
    FlowMatchEulerDiscreteScheduler,
    FluxPipeline,
    FluxTransformer2DModel,
    SD3Transformer2DModel,
    StableDiffusion3Pipeline,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, T5Config, T5EncoderModel

from qpyt_gradio.demo.tokenizers import clip_tokenizer, t5_tokenizer

CLIP_L = {
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "projection_dim": 768,
    "hidden_act": "quick_gelu",
}
CLIP_G = {
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_hidden_layers": 32,
    "num_attention_heads": 20,
    "projection_dim": 1280,
    "hidden_act": "gelu",
}
T5_XXL = {
    "d_model": 4096,
    "d_ff": 10240,
    "d_kv": 64,
    "num_heads": 64,
    "num_layers": 24,
    "vocab_size": 32128,
    "feed_forward_proj": "gated-gelu",
    "relative_attention_num_buckets": 32,
    "is_encoder_decoder": False,
}
VAE = {
    "block_out_channels": (128, 256, 512, 512),
    "down_block_types": ("DownEncoderBlock2D",) * 4,
    "up_block_types": ("UpDecoderBlock2D",) * 4,
    "layers_per_block": 2,
    "sample_size": 1024,
}


class Materialiser:
    """Builds modules directly on ``device`` in ``dtype`` (their own random initialisation)."""

    def __init__(self, device: torch.device | str, dtype: torch.dtype) -> None:
        self.device, self.dtype = torch.device(device), dtype

    def __call__(self, factory, *args, **kwargs):
        previous = torch.get_default_dtype()
        torch.set_default_dtype(self.dtype)
        try:
            with torch.device(self.device):
                return factory(*args, **kwargs).eval()
        finally:
            torch.set_default_dtype(previous)


def _clip(make: Materialiser, cls, settings: dict) -> torch.nn.Module:
    config = CLIPTextConfig(
        vocab_size=49408, max_position_embeddings=77, bos_token_id=0, eos_token_id=1, pad_token_id=1, **settings
    )
    return make(cls, config)


def _vae(make: Materialiser, latent_channels: int, **scaling: float) -> AutoencoderKL:
    flow = latent_channels == 16
    return make(
        AutoencoderKL,
        latent_channels=latent_channels,
        use_quant_conv=not flow,
        use_post_quant_conv=not flow,
        **VAE,
        **scaling,
    )


def sdxl(make: Materialiser) -> StableDiffusionXLPipeline:
    unet = make(
        UNet2DConditionModel,
        sample_size=128,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        block_out_channels=(320, 640, 1280),
        layers_per_block=2,
        attention_head_dim=(5, 10, 20),
        transformer_layers_per_block=(1, 2, 10),
        cross_attention_dim=2048,
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1
    )
    return StableDiffusionXLPipeline(
        vae=_vae(make, 4, scaling_factor=0.13025),
        text_encoder=_clip(make, CLIPTextModel, CLIP_L),
        text_encoder_2=_clip(make, CLIPTextModelWithProjection, CLIP_G),
        tokenizer=clip_tokenizer(),
        tokenizer_2=clip_tokenizer(),
        unet=unet,
        scheduler=scheduler,
    )


def flux(make: Materialiser) -> FluxPipeline:
    transformer = make(
        FluxTransformer2DModel,
        patch_size=1,
        in_channels=64,
        num_layers=19,
        num_single_layers=38,
        attention_head_dim=128,
        num_attention_heads=24,
        joint_attention_dim=4096,
        pooled_projection_dim=768,
        guidance_embeds=True,
        axes_dims_rope=(16, 56, 56),
    )
    return FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True),
        vae=_vae(make, 16, scaling_factor=0.3611, shift_factor=0.1159),
        text_encoder=_clip(make, CLIPTextModel, CLIP_L),
        tokenizer=clip_tokenizer(),
        text_encoder_2=make(T5EncoderModel, T5Config(**T5_XXL)),
        tokenizer_2=t5_tokenizer(),
        transformer=transformer,
    )


def sd35_large(make: Materialiser) -> StableDiffusion3Pipeline:
    transformer = make(
        SD3Transformer2DModel,
        sample_size=128,
        patch_size=2,
        in_channels=16,
        out_channels=16,
        num_layers=38,
        attention_head_dim=64,
        num_attention_heads=38,
        joint_attention_dim=4096,
        caption_projection_dim=2432,
        pooled_projection_dim=2048,
        pos_embed_max_size=192,
        qk_norm="rms_norm",
    )
    return StableDiffusion3Pipeline(
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        vae=_vae(make, 16, scaling_factor=1.5305, shift_factor=0.0609),
        text_encoder=_clip(make, CLIPTextModelWithProjection, CLIP_L),
        tokenizer=clip_tokenizer(),
        text_encoder_2=_clip(make, CLIPTextModelWithProjection, CLIP_G),
        tokenizer_2=clip_tokenizer(),
        text_encoder_3=make(T5EncoderModel, T5Config(**T5_XXL)),
        tokenizer_3=t5_tokenizer(),
    )


BUILDERS = {"sdxl": sdxl, "flux": flux, "sd3": sd35_large}
PUBLISHED_DENOISER_PARAMETERS = {"sdxl": 2.567e9, "flux": 11.90e9, "sd3": 8.06e9}
