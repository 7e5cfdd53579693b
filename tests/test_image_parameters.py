"""Loading parameters from any tool's image: each tool's published format, built here, mapped to the
Generate brick's names, with what has no meaning here listed; through the API too."""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from support import tool_images
from support.tool_images import BUILDERS

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.image_parameters import read_image_parameters
from qpyt_gradio.ui.recall import recall_from_image

TOOLS = {
    "AUTOMATIC1111": "AUTOMATIC1111 / Forge",
    "AUTOMATIC1111 JPEG": "AUTOMATIC1111 / Forge",
    "ComfyUI": "ComfyUI",
    "Fooocus": "Fooocus",
    "InvokeAI": "InvokeAI",
    "NovelAI": "NovelAI",
}
SAMPLERS = {
    "AUTOMATIC1111": "DPM++ 2M",
    "AUTOMATIC1111 JPEG": "DPM++ 2M",
    "ComfyUI": "dpmpp_2m",
    "Fooocus": "dpmpp_2m_sde_gpu",
    "InvokeAI": "dpmpp_2m_k",
    "NovelAI": "k_euler_ancestral",
}
COMMON = {
    "negative_prompt": tool_images.NEGATIVE,
    "width": tool_images.WIDTH,
    "height": tool_images.HEIGHT,
    "steps": tool_images.STEPS,
    "guidance": tool_images.GUIDANCE,
    "seed": tool_images.SEED,
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_tool_s_image_gives_the_generate_fields_and_lists_what_was_ignored(tmp_path, name):
    read = read_image_parameters(BUILDERS[name](tmp_path))
    assert read.tool == TOOLS[name]
    assert {key: read.parameters[key] for key in COMMON} == COMMON
    assert read.parameters["prompt"].startswith(tool_images.PROMPT)
    model = "Stable Diffusion XL" if name == "NovelAI" else tool_images.MODEL  # NovelAI names its own model
    assert read.parameters["model"] == model
    assert f"sampler: {SAMPLERS[name]}" in read.ignored


def test_loras_come_from_the_prompt_or_from_the_tool_s_list(tmp_path):
    a1111 = read_image_parameters(tool_images.automatic1111(tmp_path)).parameters
    assert "<lora:ink-style:0.8>" in a1111["prompt"] and "loras" not in a1111
    for build in (tool_images.fooocus, tool_images.invokeai):
        assert read_image_parameters(build(tmp_path)).parameters["loras"] == [["ink-style", 0.8]]


def test_an_image_without_parameters_and_a_damaged_file(tmp_path):
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert read_image_parameters(plain).as_dict() == {"tool": "", "parameters": {}, "ignored": []}
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(plain.read_bytes()[:20])
    with pytest.raises(InvalidInput, match=r"damaged\.png is not an image this app can read"):
        read_image_parameters(damaged)


def test_recalling_another_tool_s_image_says_where_it_came_from_and_what_was_left_out(tmp_path, catalog):
    values, note = recall_from_image(tool_images.comfyui(tmp_path), catalog)
    assert values["seed"] == tool_images.SEED and values["num_images"] == 1 and "model" not in values
    assert note.startswith("Read from an image made with ComfyUI; not used here: sampler: dpmpp_2m; scheduler: karras")
    assert "The model of this image (sd_xl_base_1.0) is not available here" in note


def test_read_parameters_through_the_api(served_app, tmp_path):
    client = Client(served_app["url"], verbose=False)
    read = client.predict(handle_file(str(tool_images.invokeai(tmp_path))), api_name="/read_parameters")
    assert read["tool"] == "InvokeAI" and read["parameters"]["seed"] == tool_images.SEED
    assert read["parameters"]["loras"] == [["ink-style", 0.8]] and "sampler: dpmpp_2m_k" in read["ignored"]
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(AppError, match=r"notes\.png is not an image this app can read"):
        client.predict(handle_file(str(tmp_path / "notes.png")), api_name="/read_parameters")


def test_whole_numbers_written_as_texts_or_decimals_stay_exact():
    from qpyt_gradio.image_parameters import _whole

    assert (_whole("28"), _whole("28.0"), _whole(28.0)) == (28, 28, 28)
    assert _whole("9007199254740993") == 9007199254740993, "a float would round it"
