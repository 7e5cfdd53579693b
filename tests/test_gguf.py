"""GGUF denoisers: tiny FLUX and SD3 transformers and SDXL UNet quantized with gguf, dropped in ``models/``.

Loaded through the same path as a user's file: detection from the GGUF header, the denoiser
read by diffusers' GGUF support, the other components from ``models/configs/<family>``.
"""

import shutil

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, quants
from PIL import Image
from support.gguf_files import (
    quantize_q4_k,
    wide_flux_folder,
    write_flux_gguf,
    write_gguf,
    write_sd3_gguf,
    write_sdxl_gguf,
)
from support.running import run

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.models.loading import load_pipeline
from qpyt_gradio.models.memory import Strategy, denoiser_of
from qpyt_gradio.models.planner import strategies
from qpyt_gradio.models.shapes import describe
from qpyt_gradio.settings import Settings
from qpyt_gradio.ui.sidebar import memory_panel
from qpyt_gradio.workspace import Workspace

WRITERS = {"flux": write_flux_gguf, "sd3": write_sd3_gguf, "sdxl": write_sdxl_gguf}
UNQUANTIZED = {
    "flux": "vae, text_encoder, text_encoder_2",
    "sd3": "vae, text_encoder, text_encoder_2, text_encoder_3",
    "sdxl": "vae, text_encoder, text_encoder_2",
}


def stored(name: str, family: str, quant: str) -> str:
    """The memory panel's line for a GGUF model: how each component is held."""
    denoiser = "unet" if family == "sdxl" else "transformer"
    return f"{name} (image pipeline, {UNQUANTIZED[family]} float32; {denoiser} GGUF {quant})"


@pytest.fixture()
def models_dir(tmp_path, demo_models):
    folder = tmp_path / "models"
    for family, write in WRITERS.items():
        location = demo_models[f"demo-{family}"].location
        shutil.copytree(location, folder / "configs" / family)
        write(location, folder / f"tiny-{family}-Q8_0.gguf")
    return folder


@pytest.fixture(scope="module")
def wide_models_dir(tmp_path_factory, demo_models):
    """A FLUX 256 wide (so Q4_K quantizes it) as a diffusers folder, its configs, and its Q4_K GGUF."""
    folder = tmp_path_factory.mktemp("wide") / "models"
    configs = wide_flux_folder(demo_models["demo-flux"].location, folder / "configs" / "flux")
    shutil.copytree(configs, folder / "wide-flux")
    write_flux_gguf(configs, folder / "wide-flux-Q4_K.gguf", "Q4_K")
    return folder


def workspace_on(models_dir, tmp_path, cache_dir):
    settings = Settings(demo=True, models_dir=models_dir, cache_dir=cache_dir, outputs_dir=tmp_path / "outputs")
    return Workspace.from_settings(settings)


@pytest.fixture()
def workspace(models_dir, tmp_path, cache_dir):
    return workspace_on(models_dir, tmp_path, cache_dir)


@pytest.fixture()
def wide_workspace(wide_models_dir, tmp_path, cache_dir):
    return workspace_on(wide_models_dir, tmp_path, cache_dir)


def image(workspace, name):
    result = run(
        workspace, "generate", prompt="a tower", model=name, width=64, height=64, steps=2, guidance=3.0, seed=3
    )
    return np.asarray(Image.open(result.paths[0])).astype(np.float32)


def test_detection_reads_family_quant_type_and_size(workspace, models_dir):
    for family in WRITERS:
        name = f"tiny-{family}-Q8_0.gguf"
        spec = workspace.catalog.get(name)
        assert (spec.source, spec.family, spec.quant) == ("file", family, "Q8_0")
        assert spec.size == (models_dir / name).stat().st_size
        assert spec.config_source == str(models_dir / "configs" / family)
        assert f"(file, GGUF Q8_0, {spec.size / 1e6:.1f} MB)" in spec.label
    assert workspace.catalog.get("tiny-flux-Q8_0.gguf").variant == "dev"


@pytest.mark.parametrize("family", list(WRITERS))
def test_the_loaded_denoiser_keeps_its_quantized_weights(workspace, family):
    spec = workspace.catalog.get(f"tiny-{family}-Q8_0.gguf")
    pipeline = load_pipeline(spec, torch.float32)
    kinds = {getattr(parameter, "quant_type", None) for parameter in denoiser_of(pipeline).parameters()}
    assert {kind.name for kind in kinds if kind is not None} == {"Q8_0"}
    shape = describe(pipeline, spec.engine, "tiny")
    assert shape.fp8_denoiser_bytes == 0, "a quantized denoiser is not offered FP8 storage"
    assert Strategy.FP8_STORAGE not in strategies("cuda", shape)


@pytest.mark.parametrize("family", list(WRITERS))
def test_q8_gguf_generates_close_to_the_unquantized_model(workspace, family):
    quantized = image(workspace, f"tiny-{family}-Q8_0.gguf")
    shown = memory_panel(workspace)[0][0][0]  # the memory panel's first row: how each component is stored
    assert shown == stored(f"tiny-{family}-Q8_0.gguf", family, "Q8_0")
    reference = image(workspace, f"demo-{family}")
    assert memory_panel(workspace)[0][0][0] == f"demo-{family} (image pipeline, float32)"
    error = np.abs(quantized - reference).mean()
    print(f"{family} Q8_0 vs fp32: mean abs error {error:.3f} / 255")
    assert 0 < error < 2.0


def test_a_truncated_gguf_is_refused_and_the_app_keeps_serving(workspace, models_dir):
    whole = (models_dir / "tiny-sd3-Q8_0.gguf").read_bytes()
    (models_dir / "cut.gguf").write_bytes(whole[: len(whole) // 2])
    (models_dir / "header-cut.gguf").write_bytes(whole[:100])
    (models_dir / "text.gguf").write_bytes(b"not a model at all")
    workspace.catalog.refresh()
    with pytest.raises(ModelUnavailable, match=r"cut\.gguf is (damaged or )?truncated.*Download it again"):
        image(workspace, "cut.gguf")
    with pytest.raises(ModelUnavailable, match=r"header-cut\.gguf is damaged or truncated"):
        image(workspace, "header-cut.gguf")
    with pytest.raises(ModelUnavailable, match=r"text\.gguf is not a GGUF file"):
        image(workspace, "text.gguf")
    assert image(workspace, "tiny-sd3-Q8_0.gguf").shape == (64, 64, 3)


def test_a_gguf_of_an_unknown_architecture_is_refused(workspace, models_dir):
    write_gguf({"blk.0.attn_q.weight": torch.randn(64, 64)}, "llama", "Q8_0", models_dir / "llm.gguf")
    workspace.catalog.refresh()
    with pytest.raises(ModelUnavailable, match=r"llm\.gguf is a GGUF of architecture 'llama'.*FLUX"):
        image(workspace, "llm.gguf")


def test_a_quant_type_diffusers_cannot_dequantize_is_refused(workspace, models_dir):
    tensors = {"double_blocks.0.img_attn.norm.key_norm.scale": torch.ones(16), "w.weight": torch.randn(4, 256)}
    write_gguf(tensors, "flux", "TQ2_0", models_dir / "ternary.gguf")
    workspace.catalog.refresh()
    with pytest.raises(ModelUnavailable, match=r"ternary\.gguf holds weights quantized as TQ2_0.*cannot dequantize"):
        image(workspace, "ternary.gguf")


def mean_relative_error(decoded, array):
    return float((np.abs(decoded - array).mean(axis=1) / np.abs(array).mean(axis=1)).mean())


def test_the_q4_k_encoder_round_trips_through_gguf_s_own_decoder():
    magnitudes = np.array([0.01, 0.1, 1.0, 10.0]).repeat(2)[:, None]
    array = (np.random.default_rng(0).standard_normal((8, 512)) * magnitudes).astype(np.float32)
    encoded = quantize_q4_k(array)
    assert encoded.dtype == np.uint8 and encoded.nbytes == array.size // 256 * 144
    error = mean_relative_error(quants.dequantize(encoded, GGMLQuantizationType.Q4_K), array)
    q4_0 = quants.quantize(array, GGMLQuantizationType.Q4_0)
    q4_0_error = mean_relative_error(quants.dequantize(q4_0, GGMLQuantizationType.Q4_0), array)
    print(f"Q4_K round trip: mean relative error {error:.4f} (gguf's Q4_0: {q4_0_error:.4f})")
    assert error < 0.09 and error < q4_0_error


def test_a_q4_k_flux_is_detected_loaded_quantized_and_generates_close_to_fp32(wide_workspace):
    spec = wide_workspace.catalog.get("wide-flux-Q4_K.gguf")
    assert (spec.source, spec.family, spec.quant) == ("file", "flux", "Q4_K")
    pipeline = load_pipeline(spec, torch.float32)
    kinds = {getattr(parameter, "quant_type", None) for parameter in pipeline.transformer.parameters()}
    assert {kind.name for kind in kinds if kind is not None} == {"Q4_K"}
    quantized = image(wide_workspace, "wide-flux-Q4_K.gguf")
    shown = memory_panel(wide_workspace)[0][0][0]
    assert shown == stored("wide-flux-Q4_K.gguf", "flux", "Q4_K")
    error = np.abs(quantized - image(wide_workspace, "wide-flux")).mean()
    print(f"flux Q4_K vs fp32: mean abs error {error:.3f} / 255")
    assert 0 < error < 6.0


def test_the_sdxl_unet_written_in_the_original_layout_converts_back_to_the_same_tensors(demo_models):
    from diffusers import UNet2DConditionModel
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint
    from support.sdxl_original import PREFIX, to_original

    unet = UNet2DConditionModel.from_pretrained(demo_models["demo-sdxl"].location, subfolder="unet")
    state = unet.state_dict()
    original = {PREFIX + name: tensor for name, tensor in to_original(state, dict(unet.config)).items()}
    converted = convert_ldm_unet_checkpoint(original, dict(unet.config))
    assert converted.keys() == state.keys()
    assert all(torch.equal(converted[name], tensor) for name, tensor in state.items())
