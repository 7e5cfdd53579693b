"""Devices, dtypes and applying a memory strategy safely."""

import pytest
import torch
from diffusers import DiffusionPipeline

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.memory import DeviceInfo, Strategy, apply_strategy, dtype_for, helper_device
from qpyt_gradio.models.planner import Plan

GB = 10**9


def cuda(gib: float) -> DeviceInfo:
    return DeviceInfo("cuda", "test GPU", int(gib * GIB), int(gib * GIB))


def test_no_accelerator_means_cpu_whatever_was_asked():
    cpu = DeviceInfo("cpu", "CPU")
    assert dtype_for(cpu) is torch.float32
    assert dtype_for(cuda(24), "cpu") is torch.float32


@pytest.mark.skipif(torch.cuda.is_available(), reason="shows the behaviour of a machine without accelerator")
def test_offload_needs_an_accelerator_so_the_cpu_decision_never_calls_it(demo_models):
    pipeline = DiffusionPipeline.from_pretrained(demo_models["demo-sdxl"].location)
    with pytest.raises(RuntimeError, match="accelerator"):
        pipeline.enable_model_cpu_offload()
    cpu = DeviceInfo("cpu", "CPU")
    apply_strategy(pipeline, Plan(Strategy.CPU, 0, "no GPU"), cpu)
    assert {parameter.device.type for parameter in pipeline.unet.parameters()} == {"cpu"}


def test_a_helper_uses_the_gpu_only_when_there_is_room():
    florence_base = int(0.93 * GB)
    assert helper_device(DeviceInfo("cpu", "CPU"), florence_base) is None
    assert helper_device(cuda(24), florence_base) == torch.device("cuda")
    assert helper_device(cuda(1.5), florence_base) is None
    assert helper_device(DeviceInfo("mps", "Apple MPS"), florence_base) == torch.device("mps")
