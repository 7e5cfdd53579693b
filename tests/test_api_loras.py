"""LoRAs and styles through the served app's API: listings, generation with both, refusals."""

from __future__ import annotations

import json

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from qpyt_gradio.metadata import A1111_CHUNK, read_parameters

SMALL = {"prompt": "a lighthouse", "model": "demo-sdxl", "width": 64, "height": 64, "steps": 2, "seed": 9}


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


def test_loras_lists_the_demo_loras_with_what_their_files_say(client):
    listed = {entry["name"]: entry for entry in client.predict(False, api_name="/loras")}
    ink = listed["demo-sdxl-ink"]
    assert (ink["family"], ink["format"], ink["rank"], ink["triggers"]) == ("sdxl", "diffusers", 4, ["ink style"])
    assert listed["demo-flux-glow"]["family"] == "flux" and ink["usable"]


def test_a_new_file_shows_after_a_rescan_and_a_pickle_is_refused(client, served_app):
    folder = served_app["loras"]
    folder.mkdir(exist_ok=True)
    (folder / "old-style.ckpt").write_bytes(b"\x80\x04not loaded")
    listed = {entry["name"]: entry for entry in client.predict(True, api_name="/loras")}
    assert not listed["old-style.ckpt"]["usable"] and "pickle" in listed["old-style.ckpt"]["problem"]


def test_styles_lists_the_shipped_styles_and_reports_a_broken_user_file(client, served_app):
    folder = served_app["styles"]
    folder.mkdir(exist_ok=True)
    (folder / "mine.json").write_text(json.dumps([{"name": "Mine", "category": "Me", "prompt": "{prompt}, mine"}]))
    (folder / "broken.json").write_text("[{")
    listed = client.predict(api_name="/styles")
    names = {style["name"]: style for style in listed["styles"]}
    assert len(names) >= 41 and names["Mine"]["category"] == "Me"
    assert [line.split(":")[0] for line in listed["problems"]] == ["broken.json"]


def test_generate_with_loras_and_styles_records_both(client):
    images, used = client.predict(
        **SMALL, loras=[["demo-sdxl-ink", 0.8]], styles=["Cinematic Still"], api_name="/generate"
    )
    assert used["lora_files"][0]["name"] == "demo-sdxl-ink" and used["styles"] == ["Cinematic Still"]
    path = images[0]["image"]
    with Image.open(path) as image:
        assert "Lora hashes:" in image.text[A1111_CHUNK]
    assert read_parameters(path)["loras"] == [["demo-sdxl-ink", 0.8]]


def test_every_image_endpoint_takes_loras(client):
    images, _ = client.predict(**SMALL, api_name="/generate")
    source = images[0]["image"]
    _, used = client.predict(
        image=handle_file(source),
        prompt="ink",
        model="demo-sdxl",
        steps=2,
        loras="demo-sdxl-ink:0.5",
        api_name="/img2img",
    )
    assert used["lora_files"][0]["weight"] == 0.5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"loras": [["demo-flux-glow", 1]]}, "made for FLUX.1, but demo-sdxl is SDXL"),
        ({"loras": [["demo-sdxl-ink", 100]]}, "out of range: use -2 to 2"),
        ({"styles": ["No Such Style"]}, "No style is called 'No Such Style'"),
        ({"prompt": "x <lora:../../etc/passwd:1>"}, "No LoRA is called '../../etc/passwd'"),
        ({"prompt": "((word:1.2)"}, "("),
    ],
)
def test_bad_loras_and_styles_get_a_message_and_the_app_keeps_serving(client, values, message):
    with pytest.raises(AppError) as raised:
        client.predict(**{**SMALL, **values}, api_name="/generate")
    assert message in str(raised.value)
    images, _ = client.predict(**SMALL, api_name="/generate")
    assert images
