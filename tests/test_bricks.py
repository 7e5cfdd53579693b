"""The brick table: every brick runs through its contract headlessly, gives what its row says, and
records the workflow that made its output; the function layer never imports Gradio."""

import dataclasses
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image
from support.pictures import picture_and_mask
from support.running import run

from qpyt_gradio.bricks.contract import Holds
from qpyt_gradio.bricks.params import check_request, declared
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.metadata import read_parameters

# The API's keyword names, in order, as the README documents them: they must not change.
API_NAMES = {
    "generate": "prompt negative_prompt model width height steps guidance seed num_images loras styles",
    "img2img": "image prompt negative_prompt model strength steps guidance seed num_images loras styles",
    "inpaint": "image mask prompt negative_prompt model strength steps guidance seed num_images mask_blur only_masked "
    "padding loras styles",
    "outpaint": "image prompt negative_prompt model left top right bottom aspect fill overlap strength steps guidance "
    "seed num_images loras styles",
    "upscale": "image prompt negative_prompt model scale tile overlap strength steps guidance seed loras styles",
    "remove_background": "image background_model output color alpha_matting",
    "replace_background": "image prompt negative_prompt model background_model steps guidance seed loras styles",
    "vectorize": "image preset colormode filter_speckle color_precision layer_difference corner_threshold mode "
    "remove_background colors max_side force",
    "retouch": "image brightness contrast saturation sharpness warmth blur auto_levels denoise",
    "caption": "image task",
    "translate": "text",
    "enhance_prompt": "text engine creativity seed",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return picture_and_mask(tmp_path_factory.mktemp("bricks"), 96, 64)


def example(name, files):
    """Small values that make brick ``name`` run on the tiny demo models."""
    sampling = {"model": "demo-sd3", "steps": 2, "seed": 3}
    values = {
        "generate": {"prompt": "a red ball", "width": 64, "height": 64, **sampling},
        "img2img": {"prompt": "a red ball", **sampling},
        "inpaint": {"prompt": "a red ball", **sampling},
        "outpaint": {"prompt": "a red ball", "left": 16, **sampling},
        "upscale": {"scale": 1.5, **sampling, "steps": 4},
        "replace_background": {"prompt": "a beach", **sampling},
        "translate": {"text": "un chat noir"},
        "enhance_prompt": {"text": "a cat", "engine": "demo-flux"},
    }.get(name, {})
    given = {item.name: files[item.name] for item in BRICKS[name].file_fields}
    return {**given, **values}


def test_the_table_names_every_endpoint_with_the_api_names():
    assert {name: " ".join(item.name for item in brick.fields) for name, brick in BRICKS.items()} == API_NAMES
    for brick in BRICKS.values():
        assert dataclasses.is_dataclass(brick.request) and brick.request.__dataclass_params__.frozen
        assert all(item.param.label and item.param.help for item in brick.fields)
        assert brick.text_field is None or brick.text_field in {item.name for item in brick.fields}


@pytest.mark.parametrize("name", list(BRICKS))
def test_every_brick_runs_headless_and_records_its_workflow(workspace, files, name):
    brick = BRICKS[name]
    result = run(workspace, name, **example(name, files))
    assert result.holds is brick.gives
    if brick.gives is Holds.TEXT:
        assert result.text and not result.paths
        return
    assert result.paths and all(path.is_file() for path in result.paths)
    if brick.gives is Holds.IMAGES:
        stored = read_parameters(result.paths[0])
        Image.open(result.paths[0]).verify()
    else:
        root = ElementTree.parse(result.paths[0]).getroot()
        stored = json.loads(root.find("{http://www.w3.org/2000/svg}metadata").text)
    step = stored["workflow"]["steps"][0]
    assert (stored["workflow_step"], step["brick"]) == (1, name)
    if brick.takes_image:
        assert set(step["input"]) == {item.name for item in brick.file_fields}
        assert all(len(source["sha256"]) == 64 for source in step["input"].values())
    if "seed" in step["params"]:
        assert step["params"]["seed"] >= 0, "a random seed is decided before the run and recorded"


def test_a_recorded_step_runs_again_to_the_same_pixels(workspace, files):
    first = run(workspace, "img2img", image=files["image"], prompt="a boat", model="demo-flux", steps=2)
    step = read_parameters(first.paths[0])["workflow"]["steps"][0]
    again = run(workspace, "img2img", image=files["image"], **step["params"])
    assert np.array_equal(np.asarray(Image.open(first.paths[0])), np.asarray(Image.open(again.paths[0])))


def test_values_are_checked_where_they_are_declared():
    limits = {"max_side": 1024}
    with pytest.raises(InvalidInput, match="Width 2000 is out of range: use 64 to 1024"):
        check_request(BRICKS["generate"].request(prompt="a cat", width=2000), limits)
    with pytest.raises(InvalidInput, match="Alpha matting must be true or false, not 'yes'"):
        check_request(BRICKS["remove_background"].request(alpha_matting="yes"), limits)
    defaults = {item.name: item.default for item in declared(BRICKS["upscale"].request)}
    assert (defaults["scale"], defaults["strength"], defaults["steps"]) == (2.0, 0.3, None)


def test_the_function_layer_never_imports_gradio():
    code = (
        "import sys, qpyt_gradio.bricks.table, qpyt_gradio.workflows.runner, qpyt_gradio.headless, "
        "qpyt_gradio.workspace; print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradio', 'torch')))"
    )
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]", "bricks, workflows and the CLI import neither Gradio nor, before a run, torch"
