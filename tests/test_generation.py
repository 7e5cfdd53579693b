"""Text-to-image through the app's path: same pixels as bare diffusers, previews, Cancel, saved files."""

import threading

import numpy as np
import pytest
import torch
from diffusers import DiffusionPipeline
from PIL import Image
from support.running import run as run_brick

from qpyt_gradio.bricks.contract import Choices, Job
from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.metadata import read_parameters


class Recorder:
    def __init__(self, cancel_after: int | None = None, cancel: threading.Event | None = None):
        self.steps: list[tuple[int, int]] = []
        self.previews: list[Image.Image] = []
        self._cancel_after, self._cancel = cancel_after, cancel

    def step(self, done, total, preview, unit="step"):
        self.steps.append((done, total))
        if preview is not None:
            self.previews.append(preview())
        if self._cancel_after == done:
            self._cancel.set()

    def text(self, partial):
        raise AssertionError("an image brick writes no text")


def run(workspace, job=None, **values):
    return run_brick(workspace, "generate", job or Job(reporter=Recorder()), **values)


@pytest.mark.parametrize("name", ["demo-sdxl", "demo-flux", "demo-sd3"])
def test_same_pixels_as_a_bare_diffusers_call(workspace, catalog, name):
    spec = catalog.get(name)
    values = {
        "prompt": "a red lighthouse at dusk",
        "model": name,
        "width": 128,
        "height": 96,
        "steps": 3,
        "guidance": 4.0,
        "seed": 1234,
    }
    result = run(workspace, **values)
    app_pixels = np.asarray(Image.open(result.paths[0]))

    bare = DiffusionPipeline.from_pretrained(spec.location)
    extra = dict(spec.engine_variant.call_kwargs)
    image = bare(
        "a red lighthouse at dusk",
        width=128,
        height=96,
        num_inference_steps=3,
        guidance_scale=4.0,
        generator=torch.Generator("cpu").manual_seed(1234),
        **extra,
    ).images[0]
    assert app_pixels.shape == (96, 128, 3)
    assert np.array_equal(app_pixels, np.asarray(image))


def test_batch_images_are_reproducible_alone_from_their_own_seed(workspace):
    values = {"prompt": "a boat", "model": "demo-sd3", "width": 64, "height": 64, "steps": 2, "guidance": 3.0}
    batch = run(workspace, seed=10, num_images=3, **values)
    assert batch.parameters["seeds"] == [10, 11, 12]
    alone = run(workspace, seed=12, num_images=1, **values)
    third = np.asarray(Image.open(batch.paths[2])).astype(int)
    # Same starting noise; batched matrix products may round differently in the last bit.
    assert np.abs(third - np.asarray(Image.open(alone.paths[0]))).max() <= 1
    assert np.abs(third - np.asarray(Image.open(batch.paths[0]))).mean() > 5


@pytest.mark.parametrize("name", ["demo-sdxl", "demo-flux"])
def test_progress_and_live_preview_every_step(workspace, name):
    recorder = Recorder()
    values = {"prompt": "a cat", "model": name, "width": 128, "height": 64, "steps": 3, "guidance": 2, "seed": 1}
    run(workspace, Job(reporter=recorder), **values)
    assert recorder.steps == [(1, 3), (2, 3), (3, 3)]
    assert [preview.size for preview in recorder.previews] == [(16, 8)] * 3
    assert np.asarray(recorder.previews[-1]).std() > 0
    quiet = Recorder()
    run(workspace, Job(Choices(live_preview=False), reporter=quiet), **values)
    assert quiet.steps == [(1, 3), (2, 3), (3, 3)] and quiet.previews == []


def test_cancel_stops_between_steps_and_the_app_stays_ready(workspace, registry):
    cancel = threading.Event()
    recorder = Recorder(cancel_after=2, cancel=cancel)
    values = {"prompt": "a cat", "model": "demo-sdxl", "width": 64, "height": 64, "steps": 10, "seed": 1}
    with pytest.raises(GenerationCancelled, match="after step 3"):
        run(workspace, Job(cancel=cancel, reporter=recorder), **values)
    assert len(recorder.steps) == 2
    assert not list(workspace.outputs_dir.rglob("*.png"))
    result = run(workspace, **values)
    assert len(result.paths) == 1
    assert registry.live_pipeline_count() == 1


def test_saved_images_carry_their_parameters_and_the_workflow(workspace):
    result = run(
        workspace,
        prompt="a castle, at night",
        negative_prompt="blurry",
        model="demo-sdxl",
        width=72,
        height=64,
        steps=2,
        guidance=5.5,
        seed=99,
        num_images=2,
    )
    first, second = (read_parameters(path) for path in result.paths)
    assert (first["seed"], second["seed"]) == (99, 100)
    assert first["prompt"] == "a castle, at night" and first["negative_prompt"] == "blurry"
    assert (first["width"], first["height"], first["steps"], first["guidance"], first["model"]) == (
        72,
        64,
        2,
        5.5,
        "demo-sdxl",
    )
    assert result.paths[0].parent.name.count("-") == 2
    a1111 = Image.open(result.paths[0]).text["parameters"]
    assert a1111.splitlines()[1] == "Negative prompt: blurry"
    assert "Steps: 2, Sampler: Euler, CFG scale: 5.5, Seed: 99, Size: 72x64, Model: demo-sdxl" in a1111
    step = first["workflow"]["steps"][0]
    assert (first["workflow_step"], step["brick"], step["params"]["seed"], step["input"]) == (1, "generate", 99, {})


def test_out_of_gpu_memory_becomes_advice_and_the_next_job_runs(workspace, registry, monkeypatch):
    """No GPU here, so the CUDA out-of-memory error is raised where diffusers would raise it."""
    with registry.image_job("demo-sdxl") as job:
        pipeline_type = type(job.pipeline)

    def exhausted(*_args, **_kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline_type, "__call__", exhausted)
        with pytest.raises(InvalidInput, match=r"Out of GPU memory at 1024×1024 with 1 image.*Settings"):
            run(workspace, prompt="a cat", model="demo-sdxl", width=1024, height=1024, steps=2, seed=1)
    assert len(run(workspace, prompt="a cat", model="demo-sdxl", width=64, height=64, steps=2, seed=1).paths) == 1
