"""The Generate brick's validation layer: every bad value gets a sentence that names it."""

import pytest

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.generation.request import GenerateParams, prepare


def params(**changes):
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
    return GenerateParams(**values)


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
        ({"guidance": 31}, "Guidance 31 is out of range"),
        ({"guidance": None}, "Guidance must be a number"),
        ({"num_images": 9}, "Number of images 9 is out of range: use 1 to 8"),
        ({"seed": -2}, "Seed -2 is out of range"),
        ({"seed": 2**32}, "Seed 4294967296 is out of range"),
    ],
)
def test_bad_values(catalog, changes, message):
    with pytest.raises(InvalidInput, match=message):
        prepare(params(**changes), catalog.resolve("demo-sdxl"), max_side=2048)


def test_sizes_are_snapped_to_the_engine_multiple_and_said(catalog):
    prepared = prepare(params(width=100, height=2047), catalog.resolve("demo-flux"), max_side=2048)
    assert (prepared.params.width, prepared.params.height) == (96, 2048)
    assert any("Width 100 → 96" in note and "multiples of 16" in note for note in prepared.notes)
    assert prepare(params(width=100), catalog.resolve("demo-sdxl"), 2048).params.width == 104
    assert prepare(params(height=2040), catalog.resolve("demo-flux"), max_side=2040).params.height == 2032


def test_negative_prompt_dropped_where_the_engine_ignores_it(catalog):
    prepared = prepare(params(negative_prompt="blurry"), catalog.resolve("demo-flux"), 2048)
    assert prepared.params.negative_prompt == ""
    assert any("takes no negative prompt" in note for note in prepared.notes)
    assert (
        prepare(params(negative_prompt="blurry"), catalog.resolve("demo-sd3"), 2048).params.negative_prompt == "blurry"
    )


def test_seeds(catalog):
    spec = catalog.resolve("demo-sdxl")
    assert prepare(params(seed=2**32 - 1, num_images=3), spec, 2048).seeds == (2**32 - 1, 0, 1)
    random_seeds = {prepare(params(seed=-1), spec, 2048).params.seed for _ in range(5)}
    assert len(random_seeds) > 1 and all(0 <= seed < 2**32 for seed in random_seeds)
    assert prepare(params(seed=12.0, steps="4"), spec, 2048).params.seed == 12
