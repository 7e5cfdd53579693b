"""The prompt helpers' API on the served demo app: /caption, /translate, /enhance_prompt."""

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from qpyt_gradio.metadata import read_parameters


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("api-helpers") / "picture.png"
    Image.new("RGB", (160, 120), "orange").save(path)
    return path


def test_helper_endpoints_are_stable(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = {name: [p["parameter_name"] for p in endpoints[name]["parameters"]] for name in endpoints}
    assert names["/caption"] == ["image", "task"]
    assert names["/translate"] == ["text"]
    assert names["/enhance_prompt"] == ["text", "engine", "creativity", "seed"]


def test_caption_translate_enhance(client, picture):
    assert client.predict(image=handle_file(str(picture)), task="detailed", api_name="/caption").strip()
    text, note = client.predict(text="(chat noir:1.3) sur une chaise <lora:x:0.5>", api_name="/translate")
    assert text.startswith("(chat noir:1.3) ") and text.endswith(" <lora:x:0.5>") and note == "Translated from French."
    english, note = client.predict(text="a dog in the park", api_name="/translate")
    assert english == "a dog in the park" and "already in English" in note
    first = client.predict(text="a dog", engine="sd3", creativity=0.9, seed=11, api_name="/enhance_prompt")
    assert first and first == client.predict(
        text="a dog", engine="sd3", creativity=0.9, seed=11, api_name="/enhance_prompt"
    )


def test_enhancer_streams_its_text(client):
    job = client.submit(text="a dog", engine="flux", creativity=0.5, seed=2, api_name="/enhance_prompt")
    outputs = job.result(timeout=120) and job.outputs()
    assert len(outputs) >= 2 and outputs[-1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"image": None, "task": "short", "api_name": "/caption"}, "No image to describe"),
        ({"task": "short", "api_name": "/caption", "not_image": True}, "is not an image"),
        ({"text": "", "api_name": "/translate"}, "Nothing to translate"),
        ({"text": "x" * 20000, "api_name": "/translate"}, "20,000 characters"),
        ({"text": "a cat", "engine": "sd15", "api_name": "/enhance_prompt"}, "'sd15' is neither an engine"),
        ({"text": "a cat", "engine": "sdxl", "creativity": 9, "api_name": "/enhance_prompt"}, "Creativity 9"),
    ],
)
def test_bad_input_then_the_helper_still_works(client, picture, served_app, arguments, message):
    if arguments.pop("not_image", False):
        arguments["image"] = handle_file(str(served_app["log"]))
    with pytest.raises(AppError, match=message):
        client.predict(**arguments)
    assert client.predict(image=handle_file(str(picture)), task="short", api_name="/caption")


def test_french_prompts_are_translated_before_generating(client):
    images, used = client.predict(
        prompt="un chat noir sur une chaise",
        model="demo-sdxl",
        width=64,
        height=64,
        steps=2,
        seed=3,
        api_name="/generate",
    )
    assert used["source_prompt"] == "un chat noir sur une chaise" and used["prompt"] != used["source_prompt"]
    assert any(note.startswith("Prompt translated from French") for note in used["notes"])
    stored = read_parameters(images[0]["image"])
    assert (stored["source_prompt"], stored["prompt"]) == (used["source_prompt"], used["prompt"])
