"""Choosing the memory strategy from a device description, and applying it safely."""

import pytest
import torch
from diffusers import DiffusionPipeline

from qpyt_gradio.engines import engine
from qpyt_gradio.models.memory import (
    GIB,
    DeviceInfo,
    Footprint,
    Strategy,
    apply_strategy,
    choose_strategy,
    dtype_for,
    helper_device,
)

GB = 10**9
# Published parameter counts in bfloat16: (all components, largest component).
SDXL = Footprint(int(6.94 * GB), int(5.14 * GB))
FLUX = Footprint(int(33.7 * GB), int(23.8 * GB))
SD35_LARGE = Footprint(int(27.4 * GB), int(16.1 * GB))


def cuda(gib: float) -> DeviceInfo:
    return DeviceInfo("cuda", "test GPU", int(gib * GIB), int(gib * GIB))


@pytest.mark.parametrize(
    ("family", "footprint", "vram_gib", "expected"),
    [
        ("sdxl", SDXL, 24, Strategy.GPU),
        ("sdxl", SDXL, 12, Strategy.GPU),
        ("sdxl", SDXL, 8, Strategy.MODEL_OFFLOAD),
        ("sdxl", SDXL, 6, Strategy.GROUP_OFFLOAD),
        ("flux", FLUX, 80, Strategy.GPU),
        ("flux", FLUX, 40, Strategy.GPU),
        ("flux", FLUX, 32, Strategy.MODEL_OFFLOAD),
        ("flux", FLUX, 24, Strategy.GROUP_OFFLOAD),
        ("flux", FLUX, 12, Strategy.GROUP_OFFLOAD),
        ("sd3", SD35_LARGE, 40, Strategy.GPU),
        ("sd3", SD35_LARGE, 24, Strategy.MODEL_OFFLOAD),
        ("sd3", SD35_LARGE, 12, Strategy.GROUP_OFFLOAD),
    ],
)
def test_vram_tiers(family, footprint, vram_gib, expected):
    decision = choose_strategy(cuda(vram_gib), footprint, engine(family).working_memory_bytes)
    assert decision.strategy is expected
    assert decision.vae_tiling == (expected is Strategy.GROUP_OFFLOAD)
    assert decision.reason


def test_no_accelerator_means_cpu_whatever_was_asked():
    cpu = DeviceInfo("cpu", "CPU")
    for requested in ["auto", "gpu", "model_offload", "sequential_offload"]:
        assert choose_strategy(cpu, SDXL, 0, requested).strategy is Strategy.CPU
    assert "needs a GPU" in choose_strategy(cpu, SDXL, 0, "model_offload").reason
    assert dtype_for(cpu) is torch.float32


def test_user_override_wins_on_a_gpu():
    decision = choose_strategy(cuda(80), FLUX, 0, "sequential_offload")
    assert decision.strategy is Strategy.SEQUENTIAL_OFFLOAD and decision.vae_tiling
    assert choose_strategy(DeviceInfo("mps", "Apple MPS"), FLUX, 0).strategy is Strategy.GPU


@pytest.mark.skipif(torch.cuda.is_available(), reason="shows the behaviour of a machine without accelerator")
def test_offload_needs_an_accelerator_so_the_cpu_decision_never_calls_it(demo_models):
    pipeline = DiffusionPipeline.from_pretrained(demo_models["demo-sdxl"].location)
    with pytest.raises(RuntimeError, match="accelerator"):
        pipeline.enable_model_cpu_offload()
    cpu = DeviceInfo("cpu", "CPU")
    apply_strategy(pipeline, choose_strategy(cpu, SDXL, 0, "model_offload"), cpu)
    assert {parameter.device.type for parameter in pipeline.unet.parameters()} == {"cpu"}


def test_a_helper_uses_the_gpu_only_when_there_is_room():
    florence_base = int(0.93 * GB)
    assert helper_device(DeviceInfo("cpu", "CPU"), florence_base) is None
    assert helper_device(cuda(24), florence_base) == torch.device("cuda")
    assert helper_device(cuda(1.5), florence_base) is None
    assert helper_device(DeviceInfo("mps", "Apple MPS"), florence_base) == torch.device("mps")
