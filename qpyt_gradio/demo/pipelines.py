"""Tiny random-weight SDXL, FLUX and SD3 pipelines, built locally.

Demo mode and the tests share these builders. A model is written once with
``save_pretrained`` into a folder and then loaded by the registry through the same
``from_pretrained`` path as a user's model. Weights are seeded, so two builds give the same
pixels. ``width`` scales every layer, which the benchmarks use to get a model whose step
costs a measurable time.
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
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTextModelWithProjection,
    T5Config,
    T5EncoderModel,
)

from qpyt_gradio.demo.tokenizers import clip_tokenizer, clip_vocab_size, t5_tokenizer, t5_vocab_size

SEED = 0


def _clip_config(hidden: int, projection: int) -> CLIPTextConfig:
    return CLIPTextConfig(
        vocab_size=clip_vocab_size(),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=2,
        num_attention_heads=4,
        projection_dim=projection,
        max_position_embeddings=77,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_act="gelu",
    )


def _t5_encoder(d_model: int) -> T5EncoderModel:
    config = T5Config(
        vocab_size=t5_vocab_size(),
        d_model=d_model,
        d_kv=8,
        d_ff=d_model * 2,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        feed_forward_proj="gated-gelu",
        is_encoder_decoder=False,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config)


def _vae(latent_channels: int, width: int, **scaling: float) -> AutoencoderKL:
    """A VAE with four blocks, so its scale factor is 8 like the real ones."""
    channels = [8 * width, 8 * width, 16 * width, 16 * width]
    flow_vae = latent_channels == 16
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        block_out_channels=channels,
        layers_per_block=1,
        latent_channels=latent_channels,
        norm_num_groups=4,
        sample_size=128,
        use_quant_conv=not flow_vae,
        use_post_quant_conv=not flow_vae,
        **scaling,
    )


def sdxl_pipeline(width: int = 1) -> StableDiffusionXLPipeline:
    """An SDXL-shaped pipeline: two CLIP encoders, a text-time UNet, a 4-channel VAE."""
    torch.manual_seed(SEED)
    hidden = 32 * width
    unet = UNet2DConditionModel(
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        block_out_channels=(32 * width, 64 * width),
        layers_per_block=1,
        attention_head_dim=(2, 4),
        transformer_layers_per_block=(1, 1),
        cross_attention_dim=2 * hidden,
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=6 * 8 + hidden,
        norm_num_groups=8,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        steps_offset=1,
        timestep_spacing="leading",
    )
    return StableDiffusionXLPipeline(
        vae=_vae(4, width, scaling_factor=0.13025),
        text_encoder=CLIPTextModel(_clip_config(hidden, hidden)),
        text_encoder_2=CLIPTextModelWithProjection(_clip_config(hidden, hidden)),
        tokenizer=clip_tokenizer(),
        tokenizer_2=clip_tokenizer(),
        unet=unet,
        scheduler=scheduler,
    )


def flux_pipeline(width: int = 1) -> FluxPipeline:
    """A FLUX.1-dev-shaped pipeline: CLIP + T5, a guidance-distilled transformer, a 16-channel VAE."""
    torch.manual_seed(SEED)
    hidden = 32 * width
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=64,
        num_layers=1 * width,
        num_single_layers=1 * width,
        attention_head_dim=16,
        num_attention_heads=2 * width,
        joint_attention_dim=hidden,
        pooled_projection_dim=hidden,
        guidance_embeds=True,
        axes_dims_rope=(4, 4, 8),
    )
    return FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True),
        vae=_vae(16, width, scaling_factor=0.3611, shift_factor=0.1159),
        text_encoder=CLIPTextModel(_clip_config(hidden, hidden)),
        tokenizer=clip_tokenizer(),
        text_encoder_2=_t5_encoder(hidden),
        tokenizer_2=t5_tokenizer(),
        transformer=transformer,
    )


def sd3_pipeline(width: int = 1) -> StableDiffusion3Pipeline:
    """An SD3-shaped pipeline: two CLIP encoders + T5, an MMDiT transformer, a 16-channel VAE."""
    torch.manual_seed(SEED)
    hidden = 32 * width
    transformer = SD3Transformer2DModel(
        sample_size=16,
        patch_size=2,
        in_channels=16,
        out_channels=16,
        num_layers=2 * width,
        attention_head_dim=8,
        num_attention_heads=4 * width,
        joint_attention_dim=2 * hidden,
        caption_projection_dim=32 * width,
        pooled_projection_dim=2 * hidden,
        pos_embed_max_size=64,
        qk_norm="rms_norm",
    )
    return StableDiffusion3Pipeline(
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        vae=_vae(16, width, scaling_factor=1.5305, shift_factor=0.0609),
        text_encoder=CLIPTextModelWithProjection(_clip_config(hidden, hidden)),
        tokenizer=clip_tokenizer(),
        text_encoder_2=CLIPTextModelWithProjection(_clip_config(hidden, hidden)),
        tokenizer_2=clip_tokenizer(),
        text_encoder_3=_t5_encoder(2 * hidden),
        tokenizer_3=t5_tokenizer(),
    )
