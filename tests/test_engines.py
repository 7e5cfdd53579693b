"""The engine table: complete, consistent with diffusers, and variant detection."""

import diffusers
import pytest

from qpyt_gradio.engines import ENGINES, engine, family_of_checkpoint_keys, family_of_pipeline_class


@pytest.mark.parametrize("family", list(ENGINES))
def test_every_task_class_exists_in_diffusers(family):
    for class_name in ENGINES[family].pipelines.values():
        assert hasattr(diffusers, class_name), class_name


@pytest.mark.parametrize(
    ("name", "structure", "family", "variant", "steps", "guidance"),
    [
        ("stabilityai/sdxl-turbo", None, "sdxl", "turbo", 2, 0.0),
        ("ByteDance/SDXL-Lightning-4step", None, "sdxl", "lightning", 4, 0.0),
        ("juggernautXL_v9.safetensors", None, "sdxl", "base", 30, 6.0),
        ("black-forest-labs/FLUX.1-schnell", None, "flux", "schnell", 4, 0.0),
        ("my-flux-finetune.safetensors", "guidance_embeds", "flux", "dev", 28, 3.5),
        ("my-flux-finetune.safetensors", "no_guidance_embeds", "flux", "schnell", 4, 0.0),
        ("stabilityai/stable-diffusion-3.5-large-turbo", "large", "sd3", "turbo", 4, 0.0),
        ("stabilityai/stable-diffusion-3.5-medium", None, "sd3", "medium", 40, 4.5),
        ("sd35_custom.safetensors", "large", "sd3", "large", 28, 3.5),
    ],
)
def test_variant_defaults(name, structure, family, variant, steps, guidance):
    chosen = engine(family).variant_for(name, structure)
    assert (chosen.name, chosen.steps, chosen.guidance) == (variant, steps, guidance)


def test_flux_quirks_are_data():
    flux = engine("flux")
    assert not flux.negative_prompt
    assert flux.variant("schnell").call_kwargs["max_sequence_length"] == 256
    assert flux.variant("dev").call_kwargs["max_sequence_length"] == 512
    assert engine("sd3").variant("turbo").guidance == 0


def test_family_lookups():
    assert family_of_pipeline_class("StableDiffusionXLPipeline") == "sdxl"
    assert family_of_pipeline_class("StableDiffusionPipeline") is None
    assert family_of_checkpoint_keys({"model.diffusion_model.double_blocks.0.img_attn.norm.key_norm.scale"}) == "flux"
    assert family_of_checkpoint_keys({"model.diffusion_model.input_blocks.0.0.weight"}) is None
    with pytest.raises(KeyError, match="known: sdxl, flux, sd3"):
        engine("sd15")
