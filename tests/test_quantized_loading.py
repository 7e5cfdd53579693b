"""NF4 / int8 loading with bitsandbytes: offered only with CUDA and the package; elsewhere the flag is ignored,
the app serves and the page says why; the quantization config names the denoiser and the T5 encoder."""

import logging

import pytest
import torch
from support.running import run

from qpyt_gradio.models.bitsandbytes_option import quantization_config, unavailable_reason
from qpyt_gradio.settings import SettingsError, load_settings
from qpyt_gradio.ui.sidebar import quantized_loading_note
from qpyt_gradio.workspace import Workspace


def test_the_flag_takes_nf4_int8_or_none_and_refuses_other_words():
    assert load_settings(["--quantize", "nf4"], {}).quantize == "nf4"
    assert load_settings([], {"QPYT_QUANTIZE": "int8"}).quantize == "int8"
    with pytest.raises(SettingsError, match="--quantize 'fp4' is unknown; use one of none, nf4, int8"):
        load_settings([], {"QPYT_QUANTIZE": "fp4"})


@pytest.mark.skipif(torch.cuda.is_available(), reason="shows a machine without CUDA")
def test_nf4_asked_on_a_cpu_is_ignored_with_a_reason_and_the_app_serves(demo_settings, demo_models, caplog):
    from dataclasses import replace

    workspace = Workspace.from_settings(replace(demo_settings, quantize="nf4"))
    with caplog.at_level(logging.WARNING):
        result = run(workspace, "generate", prompt="a cat", model="demo-flux", width=64, height=64, steps=1, seed=1)
    assert result.paths
    assert "--quantize nf4 is not used: NF4 / int8 loading (bitsandbytes) needs an NVIDIA GPU" in caplog.text
    note = quantized_loading_note("nf4")
    assert note.startswith(unavailable_reason()) and "GGUF files in the models folder" in note


@pytest.mark.parametrize(
    ("model", "components"),
    [
        ("demo-sdxl", ["unet"]),
        ("demo-flux", ["transformer", "text_encoder_2"]),
        ("demo-sd3", ["transformer", "text_encoder_3"]),
    ],
)
def test_the_config_quantizes_the_denoiser_and_the_t5_encoder(demo_models, model, components):
    config = quantization_config(demo_models[model], "nf4", torch.bfloat16)
    assert config.quant_backend == "bitsandbytes_4bit" and config.components_to_quantize == components
    assert config.quant_kwargs["bnb_4bit_quant_type"] == "nf4"
    assert quantization_config(demo_models[model], "int8", torch.bfloat16).quant_backend == "bitsandbytes_8bit"
    assert quantization_config(demo_models[model], "none", torch.bfloat16) is None
