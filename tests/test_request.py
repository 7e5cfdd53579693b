"""The Generate brick's request: declared checks name every bad value; the model fills what is left empty."""

from dataclasses import replace

import pytest

from qpyt_gradio.bricks.generate import GenerateRequest
from qpyt_gradio.bricks.params import check_request
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.generation.request import prepare

LIMITS = {"max_side": 2048}


def request(**changes):
    values = {
        "prompt": "a lighthouse",
        "model": "demo-sdxl",
        "width": 128,
        "height": 128,
        "steps": 4,
        "guidance": 5,
        "seed": 7,
    }
    values.update(changes)
    return GenerateRequest(**values)


def prepared(workspace, max_side=2048, model="demo-sdxl", **changes):
    workspace = replace(workspace, settings=replace(workspace.settings, max_side=max_side))
    checked = check_request(request(model=model, **changes), {"max_side": max_side})
    return prepare(workspace, checked, workspace.catalog.get(model))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prompt": "   "}, "prompt is empty"),
        ({"prompt": "x" * 5000}, "5,000 characters"),
        ({"width": 32}, "Width 32 is out of range: use 64 to 2048"),
        ({"height": 4096}, "Height 4096 is out of range"),
        ({"width": "wide"}, "Width must be a whole number"),
        ({"steps": 0}, "Steps 0 is out of range"),
        ({"steps": 2.5}, "Steps must be a whole number"),
        ({"steps": True}, "Steps must be a number, not True"),
        ({"guidance": 31}, "Guidance 31 is out of range"),
        ({"guidance": "strong"}, "Guidance must be a number"),
        ({"num_images": 9}, "Number of images 9 is out of range: use 1 to 8"),
        ({"seed": -2}, "Seed -2 is out of range"),
        ({"seed": 2**32}, "Seed 4294967296 is out of range"),
        ({"model": 3}, "Model must be a text"),
    ],
)
def test_bad_values(changes, message):
    with pytest.raises(InvalidInput, match=message):
        check_request(request(**changes), LIMITS)


def test_sizes_are_snapped_to_the_engine_multiple_and_said(workspace):
    flux = prepared(workspace, model="demo-flux", width=100, height=2047)
    assert (flux.request.width, flux.request.height) == (96, 2048)
    assert any("Width 100 → 96" in note and "multiples of 16" in note for note in flux.notes)
    assert prepared(workspace, width=100).request.width == 104
    assert prepared(workspace, 2040, model="demo-flux", height=2040).request.height == 2032


def test_values_left_empty_take_the_model_defaults(workspace):
    decided = prepared(workspace, width=None, height=None, steps=None, guidance=None, model="demo-flux").request
    defaults = workspace.catalog.get("demo-flux").defaults
    assert (decided.width, decided.height, decided.steps, decided.guidance) == (
        defaults.width,
        defaults.height,
        defaults.steps,
        defaults.guidance,
    )
    assert check_request(request(steps="", guidance=""), LIMITS).steps is None


def test_negative_prompt_dropped_where_the_engine_ignores_it(workspace):
    flux = prepared(workspace, model="demo-flux", negative_prompt="blurry")
    assert flux.request.negative_prompt == ""
    assert any("takes no negative prompt" in note for note in flux.notes)
    assert prepared(workspace, model="demo-sd3", negative_prompt="blurry").request.negative_prompt == "blurry"


def test_seeds(workspace):
    assert prepared(workspace, seed=2**32 - 1, num_images=3).seeds == (2**32 - 1, 0, 1)
    random_seeds = {prepared(workspace, seed=-1).request.seed for _ in range(5)}
    assert len(random_seeds) > 1 and all(0 <= seed < 2**32 for seed in random_seeds)
    assert prepared(workspace, seed=12.0, steps="4").request.seed == 12
