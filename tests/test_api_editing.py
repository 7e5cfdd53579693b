"""The editing bricks' API on the served demo app: /img2img, /inpaint, /outpaint, /upscale."""

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from qpyt_gradio.metadata import read_parameters

SHARED = ["prompt", "negative_prompt", "model"]


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-editing")
    source = folder / "source.png"
    Image.fromarray(np.random.default_rng(7).integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(source)
    mask = folder / "mask.png"
    image = Image.new("L", (120, 90), 0)
    image.paste(255, (40, 30, 80, 60))
    image.save(mask)
    return {"source": handle_file(str(source)), "mask": handle_file(str(mask)), "folder": folder}


def test_editing_endpoints_share_the_generate_names(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = {name: [p["parameter_name"] for p in endpoints[name]["parameters"]] for name in endpoints}
    assert names["/img2img"][:4] == ["image", *SHARED]
    assert names["/inpaint"][:5] == ["image", "mask", *SHARED]
    assert {"left", "top", "right", "bottom", "aspect"} <= set(names["/outpaint"])
    assert {"scale", "tile", "overlap", "strength", "steps", "guidance", "seed"} <= set(names["/upscale"])


@pytest.mark.parametrize("model", ["demo-sdxl", "demo-flux", "demo-sd3"])
def test_each_brick_on_each_engine(client, files, model):
    common = {"prompt": "a boat", "model": model, "steps": 3, "seed": 4}
    images, used = client.predict(image=files["source"], **common, strength=0.5, api_name="/img2img")
    assert (used["width"], used["height"], used["brick"]) == (120, 90, "img2img")
    assert read_parameters(images[0]["image"])["source_sha256"] == used["source_sha256"]
    images, used = client.predict(image=files["source"], mask=files["mask"], **common, api_name="/inpaint")
    assert used["brick"] == "inpaint" and Image.open(images[0]["image"]).size == (120, 90)
    images, used = client.predict(image=files["source"], **common, left=24, bottom=16, api_name="/outpaint")
    assert Image.open(images[0]["image"]).size == (144, 106)
    images, used = client.predict(image=files["source"], **common, scale=1.5, api_name="/upscale")
    assert Image.open(images[0]["image"]).size == (180, 135) and used["tiles"] >= 1


def test_outpaint_to_an_aspect_ratio(client, files):
    images, _ = client.predict(image=files["source"], prompt="a boat", aspect="16:9", steps=2, api_name="/outpaint")
    assert Image.open(images[0]["image"]).size == (160, 90)


@pytest.mark.parametrize(
    ("endpoint", "arguments", "message"),
    [
        ("/img2img", {"image": None}, "No image to redraw"),
        ("/img2img", {"strength": 0}, "Strength 0 is out of range"),
        ("/inpaint", {"mask": None}, "No mask"),
        ("/inpaint", {"mask": "empty"}, "The mask is empty: nothing to inpaint"),
        ("/outpaint", {}, "Nothing to outpaint"),
        ("/upscale", {"scale": 4, "image": "wide"}, "largest side allowed is 8192"),
        ("/upscale", {"tile": 128, "overlap": 64}, "Overlap 64 must be less than half the tile size"),
        ("/img2img", {"image": "tiny"}, "The image is 1×1"),
    ],
)
def test_bad_input_then_the_brick_still_works(client, files, endpoint, arguments, message):
    folder = files["folder"]
    special = {
        "empty": ((120, 90), "L"),
        "wide": ((3000, 40), "RGB"),
        "tiny": ((1, 1), "RGB"),
    }
    values = {"image": files["source"], "prompt": "a boat", "steps": 2}
    if endpoint == "/inpaint":
        values["mask"] = files["mask"]
    for key, value in arguments.items():
        if value in special:
            size, mode = special[value]
            path = folder / f"{value}.png"
            Image.new(mode, size).save(path)
            value = handle_file(str(path))
        values[key] = value
    with pytest.raises(AppError, match=message):
        client.predict(**values, api_name=endpoint)
    assert client.predict(image=files["source"], prompt="a boat", steps=2, api_name="/img2img")[1]["brick"] == "img2img"
