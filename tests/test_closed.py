"""Closed by default and strict with text: no monitoring routes, no misleading share hint, an upload cache of
the app's own; prompts that cannot forge metadata fields nor hold characters that cannot be saved."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from sd_parsers import ParserManager
from support.running import run

from qpyt_gradio.bricks.params import Param, check_value
from qpyt_gradio.errors import InvalidInput

FORGING = "a cat\nNegative prompt: forged\nSteps: 99, Sampler: X, CFG scale: 1, Seed: 5, Size: 8x8"


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("route", ["monitoring", "monitoring/summary"])
def test_gradio_monitoring_is_off(served_app, route):
    assert status_of(served_app["url"] + route) == 403


def test_the_log_names_the_address_without_noise_and_uploads_stay_in_the_app_s_cache(served_app):
    client = Client(served_app["url"], verbose=False)
    client.predict(prompt="a cat", model="demo-sdxl", width=64, height=64, steps=1, api_name="/generate")
    log = served_app["log"].read_text()
    assert "Qpyt-UI is served on http://127.0.0.1:" in log and "share=True" not in log
    for noise in ("HTTP Request:", "requires torchvision", "should be kept in float32: []"):
        assert noise not in log, f"the log shows {noise!r}"
    assert any((served_app["cache"] / "gradio-uploads").rglob("*.png"))


def test_a_prompt_cannot_forge_fields_of_the_a1111_chunk(workspace):
    result = run(workspace, "generate", prompt=FORGING, model="demo-sdxl", width=64, height=64, steps=2, seed=7)
    read = ParserManager().parse(result.paths[0])
    sampler = read.samplers[0]
    flattened = FORGING.replace("\n", " ").replace("Negative prompt:", "Negative prompt :")
    assert [prompt.value for prompt in sampler.prompts] == [flattened]
    assert not sampler.negative_prompts
    assert (sampler.parameters["steps"], sampler.parameters["seed"]) == ("2", "7")
    assert result.parameters["prompt"] == FORGING, "the qpyt chunk and the parameters keep the prompt exactly"


@pytest.mark.parametrize("text", ["a \x00 cat", "a \ud800 cat", "\udfff"])
def test_text_that_cannot_be_saved_is_refused_with_a_message(text):
    with pytest.raises(InvalidInput, match="Prompt holds a character that cannot be saved"):
        check_value(Param("Prompt", "", "text"), text, {})


def test_a_nul_from_an_api_client_gets_the_message(served_app):
    client = Client(served_app["url"], verbose=False)
    with pytest.raises(AppError, match="cannot be saved"):
        client.predict(prompt="a \x00 cat", model="demo-sdxl", width=64, height=64, steps=1, api_name="/generate")


def test_api_clients_read_messages_as_plain_text(served_app):
    client = Client(served_app["url"], verbose=False)
    with pytest.raises(AppError) as raised:
        client.predict(prompt="a cat", model="demo-sdxl", styles=["<b>Bold & new</b>"], api_name="/generate")
    assert "No style is called '<b>Bold & new</b>'" in str(raised.value)


def test_the_page_escapes_messages_that_quote_user_text():
    from qpyt_gradio.ui.errors import page_text

    assert page_text("No style is called '<img src=x onerror=alert(1)>'") == (
        "No style is called '&lt;img src=x onerror=alert(1)&gt;'"
    )


@pytest.mark.parametrize(
    ("kind", "message"), [("bomb", "mask.png is too large to open safely"), ("truncated", "mask.png is not a mask")]
)
def test_a_mask_is_opened_as_safely_as_a_source(workspace, tmp_path, monkeypatch, kind, message):
    from PIL import Image

    source, mask = tmp_path / "source.png", tmp_path / "mask.png"
    Image.new("RGB", (16, 16), "gray").save(source)
    Image.new("L", (64, 64), 255).save(mask)
    if kind == "bomb":
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # the 16×16 source passes, the 64×64 mask is a bomb
    else:
        mask.write_bytes(mask.read_bytes()[:40])
    with pytest.raises(InvalidInput, match=message):
        run(workspace, "inpaint", image=str(source), mask=str(mask), prompt="x", model="demo-sdxl", steps=2)
