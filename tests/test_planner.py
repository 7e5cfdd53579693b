"""The memory planner: strategy choice for described devices and models, predictions against measured peaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.memory import Strategy
from qpyt_gradio.models.planner import (
    JobShape,
    Machine,
    ModelShape,
    VaeShape,
    plan,
    strategies,
    vae_decode_bytes,
)

MIB = 1024**2
FULL_VAE = VaeShape(full_resolution_channels=128, tile_pixels=1024)


def _shape(label: str, denoiser_gib: float, text_gib: dict[str, float], width: int, **extra: object) -> ModelShape:
    components = {"transformer" if "FLUX" in label else "unet": int(denoiser_gib * GIB), "vae": int(0.16 * GIB)}
    components.update({name: int(size * GIB) for name, size in text_gib.items()})
    denoiser = "transformer" if "FLUX" in label else "unet"
    return ModelShape(label, components, denoiser, width, largest_layer_bytes=260 * MIB, vae=FULL_VAE, **extra)


# Published parameter counts in bf16 (FLUX.1 transformer 11.9 B, T5-XXL 4.76 B, SDXL UNet 2.57 B...);
# Q8_0 stores 8.5 bits a weight.
SDXL = _shape("SDXL", 4.78, {"text_encoder": 0.23, "text_encoder_2": 1.29}, 320, guidance_copies=2)
FLUX_TEXT = {"text_encoder": 0.23, "text_encoder_2": 8.87}
FLUX = _shape("FLUX.1 dev", 22.17, FLUX_TEXT, 3072, patch=2, text_tokens=512, fp8_denoiser_bytes=int(11.1 * GIB))
FLUX_Q8 = _shape("FLUX.1 dev Q8_0", 22.17 * 8.5 / 16, FLUX_TEXT, 3072, patch=2, text_tokens=512)


def _float32(model: ModelShape) -> ModelShape:
    components = {name: size * 2 for name, size in model.components.items()}
    return ModelShape(
        model.label, components, model.denoiser, model.denoiser_width, model.largest_layer_bytes * 2, model.vae,
        model.patch, model.text_tokens, model.guidance_copies, model.fp8_denoiser_bytes * 2,
    )  # fmt: skip


def _cuda(card_gib: int) -> Machine:
    return Machine("cuda", int((card_gib - 0.5) * GIB), 64 * GIB)


ONE, FOUR = JobShape(1024, 1024, 1), JobShape(1024, 1024, 4)
NONE = None

CASES = [
    # machine, model, job, strategy
    (_cuda(8), SDXL, ONE, Strategy.MODEL_OFFLOAD),
    (_cuda(12), SDXL, ONE, Strategy.GPU),
    (_cuda(8), SDXL, FOUR, Strategy.MODEL_OFFLOAD),
    (_cuda(12), SDXL, FOUR, Strategy.MODEL_OFFLOAD),
    (_cuda(24), SDXL, FOUR, Strategy.GPU),
    (_cuda(8), FLUX, ONE, Strategy.GROUP_OFFLOAD),
    (_cuda(12), FLUX, ONE, Strategy.GROUP_OFFLOAD),
    (_cuda(16), FLUX, ONE, Strategy.FP8_STORAGE),
    (_cuda(16), FLUX_Q8, FOUR, Strategy.MODEL_OFFLOAD),
    (_cuda(12), FLUX_Q8, FOUR, Strategy.GROUP_OFFLOAD),
    (_cuda(24), FLUX, ONE, Strategy.MODEL_OFFLOAD),
    (_cuda(80), FLUX, ONE, Strategy.GPU),
    (_cuda(80), FLUX, FOUR, Strategy.GPU),
    (_cuda(8), FLUX, FOUR, Strategy.SEQUENTIAL_OFFLOAD),
    (_cuda(6), FLUX, FOUR, NONE),
    (_cuda(12), FLUX, FOUR, Strategy.GROUP_OFFLOAD),
    (_cuda(12), FLUX_Q8, ONE, Strategy.GROUP_OFFLOAD),
    (_cuda(16), FLUX_Q8, ONE, Strategy.MODEL_OFFLOAD),
    (_cuda(24), FLUX_Q8, ONE, Strategy.GPU),
    (_cuda(24), FLUX_Q8, FOUR, Strategy.MODEL_OFFLOAD),
    (Machine("cuda", 24 * GIB, 16 * GIB), FLUX, ONE, NONE),
    (Machine("cuda", 24 * GIB, 16 * GIB), FLUX_Q8, ONE, Strategy.GPU),
    (Machine("cpu", 0, 32 * GIB), _float32(SDXL), ONE, Strategy.CPU),
    (Machine("cpu", 0, 32 * GIB), _float32(FLUX), ONE, NONE),
    (Machine("mps", 0, 16 * GIB), SDXL, FOUR, Strategy.GPU),
    (Machine("mps", 0, 16 * GIB), FLUX, ONE, NONE),
    (Machine("mps", 0, 32 * GIB), FLUX_Q8, ONE, Strategy.GPU),
]


@pytest.mark.parametrize(("machine", "model", "job", "expected"), CASES)
def test_strategy_for_device_and_model(machine: Machine, model: ModelShape, job: JobShape, expected: Strategy) -> None:
    chosen = plan(model, job, machine)
    assert chosen.strategy == expected, chosen.reason
    assert chosen.reason.startswith(f"{model.label} at {job.describe()}: ")
    assert "GB predicted" in chosen.reason


def test_reason_names_prediction_and_choice() -> None:
    chosen = plan(FLUX_Q8, ONE, _cuda(16))
    assert chosen.reason == "FLUX.1 dev Q8_0 at 1024², 1 image: 12.2 GB predicted, 15.5 GB free → model_offload."


def test_refusal_says_fewer_images_or_smaller_size() -> None:
    refused = plan(FLUX, FOUR, _cuda(6))
    assert refused.strategy is None
    assert "does not fit" in refused.reason
    assert "2 image(s) at this size" in refused.reason
    assert "² with 4 image(s)" in refused.reason


def test_refusal_says_quantized_file_when_weights_do_not_fit() -> None:
    refused = plan(FLUX, ONE, Machine("mps", 0, 16 * GIB))
    assert "quantized GGUF file" in refused.reason
    assert "Q8_0 about" in refused.reason and "Q4_K about" in refused.reason


def test_a_strategy_chosen_in_settings_is_kept_where_the_device_runs_it() -> None:
    kept = plan(FLUX, ONE, _cuda(80), "sequential_offload")
    assert kept.strategy is Strategy.SEQUENTIAL_OFFLOAD and kept.vae_tiling
    assert kept.reason.endswith("→ sequential_offload, chosen in Settings.")
    tight = plan(FLUX, ONE, _cuda(12), "gpu")
    assert tight.strategy is Strategy.GPU and "It may not fit" in tight.reason
    on_cpu = plan(_float32(SDXL), ONE, Machine("cpu", 0, 32 * GIB), "model_offload")
    assert on_cpu.strategy is Strategy.CPU and "(model_offload needs a GPU)" in on_cpu.reason
    forced = plan(SDXL, ONE, _cuda(24), "cpu")
    assert forced.strategy is Strategy.CPU and forced.reason.endswith("→ cpu, chosen in Settings.")
    quantized = plan(FLUX_Q8, ONE, _cuda(80), "fp8_storage")
    assert quantized.strategy is Strategy.GPU and "(no fp8_storage for this model)" in quantized.reason


def test_fp8_storage_is_offered_only_for_a_denoiser_that_is_not_quantized() -> None:
    assert Strategy.FP8_STORAGE in strategies("cuda", FLUX)
    assert Strategy.FP8_STORAGE not in strategies("cuda", FLUX_Q8)
    assert strategies("cpu", FLUX) == (Strategy.CPU,)


def test_group_offload_tiles_the_vae_only_when_chosen() -> None:
    assert plan(FLUX, ONE, _cuda(12)).vae_tiling
    assert not plan(FLUX, ONE, _cuda(80)).vae_tiling


@pytest.mark.parametrize(
    ("side", "images", "measured_gib"),
    [(512, 1, 0.6), (768, 1, 1.3), (1024, 1, 2.4), (512, 2, 1.0), (768, 2, 2.3), (1024, 2, 4.0)],
)
def test_vae_decode_reproduces_h200_peaks(side: int, images: int, measured_gib: float) -> None:
    """bench/gpu.py on an NVIDIA H200: a job's peak above the weights, bf16, same VAE for the three engines."""
    predicted = vae_decode_bytes(FULL_VAE, JobShape(side, side, images), 2, "cuda") / GIB
    assert predicted == pytest.approx(measured_gib, rel=0.15)


def test_tiled_decode_needs_less_above_the_tile_size() -> None:
    job = JobShape(2048, 2048, 1)
    assert vae_decode_bytes(FULL_VAE, job, 2, "cuda", tiled=True) < vae_decode_bytes(FULL_VAE, job, 2, "cuda") / 2


MEASURE = Path(__file__).resolve().parent.parent / "bench" / "planner.py"


@pytest.mark.parametrize(("family", "side", "images"), [("sdxl", 256, 1), ("flux", 384, 2)])
def test_prediction_against_measured_peak_of_a_demo_model(family: str, side: int, images: int) -> None:
    """Peak RSS growth of one job in a fresh process on a width-8 random model (a VAE of 64 channels), glibc's
    mmap threshold fixed as bench/planner.py does (then runs agree within 1 %): the prediction within ±15 %."""
    command = [sys.executable, str(MEASURE), "--child", family, "--width", "8", "--side", str(side)]
    command += ["--images", str(images)]
    environment = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout
    row = json.loads(output.strip().splitlines()[-1])
    assert 0.85 <= row["predicted"] / row["measured"] <= 1.15, row
