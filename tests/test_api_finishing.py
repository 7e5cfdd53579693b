"""The finishing bricks' API on the served demo app: background, vectorize, retouch."""

import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image, ImageDraw


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-finishing")
    half = np.zeros((80, 120, 3), np.uint8)
    half[:, 60:] = 255
    Image.fromarray(half).save(folder / "half.png")
    logo = Image.new("RGB", (256, 256), "white")
    ImageDraw.Draw(logo).ellipse((40, 40, 216, 216), fill=(0, 90, 200))
    logo.save(folder / "logo.png")
    (folder / "notes.png").write_text("not an image")
    Image.new("RGB", (1, 1), "white").save(folder / "dot.png")
    Image.fromarray(np.random.default_rng(3).integers(0, 256, (1024, 1024, 3), np.uint8)).save(folder / "noise.png")
    return {name: handle_file(str(folder / f"{name}.png")) for name in ("half", "logo", "notes", "dot", "noise")}


def test_remove_and_replace_the_background(client, pictures):
    images, used = client.predict(image=pictures["half"], output="transparent", api_name="/remove_background")
    cut = np.asarray(Image.open(images[0]["image"]))
    assert cut.shape == (80, 120, 4) and cut[40, 10, 3] == 0 and cut[40, 110, 3] == 255
    assert used["brick"] == "remove_background"
    images, used = client.predict(
        image=pictures["half"],
        prompt="a sunny beach",
        model="demo-sd3",
        steps=3,
        seed=5,
        api_name="/replace_background",
    )
    assert used["brick"] == "replace_background" and Image.open(images[0]["image"]).size == (120, 80)


def test_vectorize_returns_the_svg_file(client, pictures):
    path, used = client.predict(image=pictures["logo"], preset="logo", api_name="/vectorize")
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg") and used["paths"] >= 2 and used["filter_speckle"] == 8
    path, used = client.predict(image=pictures["logo"], preset="logo", color_precision=2, api_name="/vectorize")
    assert used["color_precision"] == 2 and used["filter_speckle"] == 8


def test_retouch(client, pictures):
    images, used = client.predict(image=pictures["logo"], brightness=-40, warmth=30, api_name="/retouch")
    darker = np.asarray(Image.open(images[0]["image"]), float)
    assert darker.mean() < np.asarray(Image.open(pictures["logo"]["path"]), float).mean()
    assert (used["brightness"], used["warmth"]) == (-40.0, 30.0)


@pytest.mark.parametrize(
    ("endpoint", "arguments", "message"),
    [
        ("/remove_background", {"image": "notes"}, "is not an image"),
        ("/remove_background", {"image": "dot"}, "one flat colour: there is no subject to cut out"),
        ("/remove_background", {"background_model": "sam"}, "Background model 'sam' is unknown"),
        ("/remove_background", {"output": "color", "color": "blue-ish"}, "is not of the form #rrggbb"),
        ("/vectorize", {"image": None}, "No image to vectorize"),
        ("/vectorize", {"corner_threshold": 500}, "Corner threshold 500 is out of range"),
        ("/vectorize", {"image": "noise"}, "This would make an SVG of about [0-9]+ MB. Try the photo preset"),
        ("/retouch", {"contrast": 300}, "Contrast 300 is out of range"),
    ],
)
def test_bad_input_then_the_brick_still_works(client, pictures, endpoint, arguments, message):
    values = {"image": pictures["logo"], **arguments}
    if isinstance(values["image"], str):
        values["image"] = pictures[values["image"]]
    with pytest.raises(AppError, match=message):
        client.predict(**values, api_name=endpoint)
    assert client.predict(image=pictures["logo"], api_name=endpoint)
