"""LoRAs on every demo engine, fused and unfused, in every image brick and in the LoRA dashboard."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.pictures import picture_and_mask
from support.running import run

from qpyt_gradio.demo.models import DEMO_LORAS, DEMO_MODELS
from qpyt_gradio.metadata import read_parameters
from qpyt_gradio.workspace import Workspace

INK = "demo-sdxl-ink"
LORA_OF = {model.name: next(lora.name for lora in DEMO_LORAS if lora.family == model.family) for model in DEMO_MODELS}
ENGINES = sorted(LORA_OF)
MODES = ("fused", "unfused")
SMALL = {"prompt": "a lighthouse", "seed": 7, "steps": 1, "width": 64, "height": 64}

OPENED: list[str] | None = None


def _record_opens(event: str, args: tuple) -> None:
    if OPENED is not None and event == "open" and args and isinstance(args[0], (str, Path)):
        OPENED.append(str(args[0]))


sys.addaudithook(_record_opens)


def pixels(result) -> np.ndarray:
    with Image.open(result.paths[0]) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def generate(workspace: Workspace, model: str, **values) -> np.ndarray:
    return pixels(run(workspace, "generate", **{**SMALL, "model": model, **values}))


@pytest.fixture(params=MODES)
def fusing(request, demo_settings, demo_models) -> Workspace:
    """A demo workspace with LoRAs fused into the weights, or kept beside them."""
    return Workspace.from_settings(replace(demo_settings, lora_fusing=request.param))


@pytest.fixture()
def pictures(tmp_path: Path) -> dict[str, str]:
    return picture_and_mask(tmp_path, 64, 64)


@pytest.mark.parametrize("model", ENGINES)
def test_removing_the_lora_or_weight_zero_gives_the_base_pixels_exactly(fusing, model):
    lora = LORA_OF[model]
    base = generate(fusing, model)
    with_lora = generate(fusing, model, loras=[[lora, 1.0]])
    assert np.abs(with_lora - base).mean() > 0.5
    assert np.array_equal(generate(fusing, model), base), "removed after a job with it"
    assert np.array_equal(generate(fusing, model, loras=[[lora, 0.0]]), base), "weight 0"
    assert np.array_equal(generate(fusing, model, loras=[[lora, 1.0]]), with_lora)


@pytest.mark.parametrize("model", ENGINES)
def test_ten_weight_changes_read_no_lora_file_and_change_the_image(fusing, model):
    global OPENED
    lora = LORA_OF[model]
    generate(fusing, model, loras=[[lora, 1.0]])
    lora_file = str(fusing.loras.get(lora).path)
    reads = fusing.registry.adapter_file_reads()
    OPENED = []
    try:
        images = [generate(fusing, model, loras=[[lora, float(weight)]]) for weight in np.linspace(-1, 1, 10)]
        opened = OPENED
    finally:
        OPENED = None
    assert lora_file not in opened
    assert fusing.registry.adapter_file_reads() == reads == 1
    assert np.abs(images[0] - images[-1]).mean() > 0.5
    state = "fused" if fusing.settings.lora_fusing == "fused" else "active"
    assert [row.placement for row in fusing.registry.report() if row.role == "LoRA"] == [f"{state} · 1"]


@pytest.mark.parametrize("model", ENGINES)
def test_inpaint_shares_the_adapters_loaded_for_generate(fusing, pictures, model):
    lora = LORA_OF[model]
    run(fusing, "generate", **SMALL, model=model, loras=[[lora, 1.0]])
    reads = fusing.registry.adapter_file_reads()
    done = run(fusing, "inpaint", **pictures, prompt="x", model=model, steps=2, seed=3, loras=[[lora, 0.5]])
    assert fusing.registry.adapter_file_reads() == reads == 1
    assert [(item["name"], item["weight"]) for item in done.parameters["lora_files"]] == [(lora, 0.5)]


def test_the_dashboard_shows_which_loras_fit_the_model_of_the_last_generate(workspace):
    from qpyt_gradio.ui.tabs.loras import HEADERS, lora_rows

    run(workspace, "generate", **SMALL, model="demo-flux", loras=[[LORA_OF["demo-flux"], 1.0]])
    fits = HEADERS.index("Fits the model")
    shown = {row[0]: row[fits] for row in lora_rows(workspace, "demo-flux")}
    assert shown == {"demo-flux-glow": "yes", INK: "no", "demo-sd3-grain": "no"}
    assert {row[0]: row[fits] for row in lora_rows(workspace, "demo-sdxl")}[INK] == "yes"
    assert {row[0] for row in lora_rows(workspace, "demo-flux", "glow")} == {"demo-flux-glow"}


IMAGE_BRICKS = {
    "generate": ("generate", {"width": 64, "height": 64}),
    "img2img": ("img2img", {"image": None}),
    "retouch-cleanup": ("img2img", {"image": None}),
    "inpaint": ("inpaint", {"image": None, "mask": None}),
    "outpaint": ("outpaint", {"image": None, "right": 16}),
    "upscale": ("upscale", {"image": None, "scale": 1.5, "steps": 4}),
    "replace_background": ("replace_background", {"image": None}),
}


@pytest.mark.parametrize("case", IMAGE_BRICKS)
def test_every_image_brick_applies_its_loras_and_records_them_with_weight_and_hash(workspace, pictures, case):
    brick, given = IMAGE_BRICKS[case]
    values = {"prompt": "a red ball", "model": "demo-sdxl", "steps": 2, "seed": 3, **given}
    values.update({name: pictures[name] for name in ("image", "mask") if name in values})
    if case == "retouch-cleanup":
        from qpyt_gradio.ui.tabs.retouch import CLEANUP_PROMPT, CLEANUP_STRENGTH

        values.update(prompt=CLEANUP_PROMPT, strength=CLEANUP_STRENGTH)
    plain = run(workspace, brick, **values)
    inked = run(workspace, brick, **values, loras=[[INK, 1.0]])
    sha256 = hashlib.sha256(workspace.loras.get(INK).path.read_bytes()).hexdigest()
    stored = read_parameters(inked.paths[0])
    assert [(item["name"], item["weight"], item["sha256"]) for item in stored["lora_files"]] == [(INK, 1.0, sha256)]
    assert stored["brick"] == brick and stored["loras"] == [[INK, 1.0]]
    assert read_parameters(plain.paths[0])["lora_files"] == []
    assert np.abs(pixels(inked) - pixels(plain)).mean() > 0.1
