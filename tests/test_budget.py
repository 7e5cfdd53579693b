"""Bounded work per job: the budget in megapixel-steps, the upscaler's tiles, the time limit."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PIL import Image
from support.running import run

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.settings import SHARED_COST, SHARED_JOB_SECONDS, load_settings
from qpyt_gradio.workspace import JobBoard, Workspace


def budgeted(demo_settings, cost: float | None = None, seconds: float | None = None) -> Workspace:
    return Workspace.from_settings(replace(demo_settings, max_cost=cost, max_job_seconds=seconds))


def test_shared_links_and_spaces_get_budgets_a_local_app_has_none():
    local = load_settings([])
    assert (local.cost_limit, local.job_seconds_limit) == (None, None)
    shared = load_settings(["--share", "--share-public"])
    assert (shared.cost_limit, shared.job_seconds_limit) == (SHARED_COST, SHARED_JOB_SECONDS)
    assert load_settings([], {"SPACE_ID": "me/app"}).cost_limit == SHARED_COST
    assert load_settings(["--share", "--share-public", "--max-cost", "900"]).cost_limit == 900


def test_a_generation_above_the_budget_is_refused_before_any_model_loads(demo_settings):
    workspace = budgeted(demo_settings, cost=0.1)
    with pytest.raises(InvalidInput) as refused:
        run(workspace, "generate", prompt="a cat", model="demo-sdxl", width=256, height=256, steps=4, num_images=2)
    message = str(refused.value)
    assert "0.5243 megapixel-steps (256×256 × 4 steps × 2 image(s))" in message and "allows 0.1 per job" in message
    assert "Lower the size, the steps or the number of images" in message
    assert workspace.registry_if_created() is None or workspace.registry.report() == []
    assert run(workspace, "generate", prompt="a cat", model="demo-sdxl", width=64, height=64, steps=4).paths


def test_img2img_counts_the_steps_its_strength_runs(demo_settings, tmp_path):
    source = tmp_path / "source.png"
    Image.new("RGB", (128, 128), "teal").save(source)
    workspace = budgeted(demo_settings, cost=0.2)
    common = {"image": str(source), "prompt": "x", "model": "demo-sdxl", "steps": 20}
    assert run(workspace, "img2img", **common, strength=0.5).paths  # 128² × 10 steps = 0.16
    with pytest.raises(InvalidInput, match=r"128×128 × 20 steps"):
        run(workspace, "img2img", **common, strength=1.0)


def test_the_upscaler_counts_its_tiles_and_keeps_them_few(demo_settings, tmp_path):
    source = tmp_path / "source.png"
    Image.new("RGB", (256, 256), "olive").save(source)
    common = {"image": str(source), "model": "demo-sdxl", "steps": 4, "strength": 0.5}
    with pytest.raises(InvalidInput, match=r"tiles of 128×128 × 2 steps.*Lower the scale"):
        run(budgeted(demo_settings, cost=0.1), "upscale", **common, scale=2, tile=128)
    Image.new("RGB", (512, 512), "olive").save(source)
    with pytest.raises(InvalidInput, match="2048×2048 output into too many tiles: use a tile of at least 128"):
        run(budgeted(demo_settings), "upscale", **common, scale=4, tile=64)


def test_a_job_past_its_time_limit_stops_and_says_why(workspace):
    with workspace.jobs.running("someone") as flag, flag.time_limit(0.3):
        started = time.monotonic()
        with pytest.raises(GenerationCancelled) as stopped:
            run(
                workspace, "generate", Job(cancel=flag), prompt="x", model="demo-sdxl", width=256, height=256, steps=150
            )
    assert time.monotonic() - started < 30 and flag.expired
    assert flag.explain(str(stopped.value)).startswith("Stopped after 0.3 s, the longest a job may run here")


def test_cancel_is_not_taken_for_the_time_limit():
    board = JobBoard()
    with board.running("someone") as flag, flag.time_limit(60):
        assert board.cancel("someone") == 1
        assert flag.is_set() and not flag.expired and flag.explain("Cancelled.") == "Cancelled."
