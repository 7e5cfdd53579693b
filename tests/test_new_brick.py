"""Adding a brick is one module and one row: the page gets a tab made from its request type, the API an
endpoint, and workflows can use it."""

import json
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image, ImageOps

from qpyt_gradio.bricks import params
from qpyt_gradio.bricks.contract import Brick, Holds
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.generation.results import save_image
from qpyt_gradio.images import open_rgb


@dataclass(frozen=True)
class InvertRequest:
    image: str | None = params.image("Image", "the image whose colours are inverted")
    amount: float = params.number("Amount", "how far the colours go to their opposite", 1.0, 0.0, 1.0)


def invert(workspace, job, request):
    image, notes = open_rgb(request.image, "invert", 4096)
    inverted = Image.blend(image, ImageOps.invert(image), request.amount)
    return save_image(workspace, job, inverted, {"brick": "invert", "amount": request.amount}, "inverted", notes)


INVERT = Brick("invert", "Invert", "Invert an image's colours.", InvertRequest, invert, Holds.IMAGES, tab="invert")


@pytest.fixture()
def served(workspace, monkeypatch):
    import qpyt_gradio.ui.page as page
    import qpyt_gradio.workflows.document as document

    table = MappingProxyType({**BRICKS, "invert": INVERT})
    monkeypatch.setattr(page, "BRICKS", table)
    monkeypatch.setattr(document, "BRICKS", table)
    app = page.build_app(workspace)
    _, url, _ = app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    yield app, url
    app.close()


def test_a_new_row_gets_a_tab_an_endpoint_and_a_place_in_workflows(served, tmp_path):
    app, url = served
    labels = [block["props"].get("label") for block in app.config["components"] if block["type"] == "tabitem"]
    assert "Invert" in labels and labels[-2:] == ["Workflow", "History"]
    picture = tmp_path / "grey.png"
    Image.new("RGB", (32, 24), (10, 100, 200)).save(picture)
    client = Client(url, verbose=False)
    images, used = client.predict(image=handle_file(str(picture)), amount=1.0, api_name="/invert")
    assert np.asarray(Image.open(images[0]["image"]))[0, 0].tolist() == [245, 155, 55]
    assert used["amount"] == 1.0
    chain = {
        "version": 1,
        "steps": [
            {"brick": "generate", "params": {"prompt": "a dot", "model": "demo-sdxl", "steps": 1, "seed": 2}},
            {"brick": "invert", "params": {"amount": 0.5}},
        ],
    }
    files, summary = client.predict(workflow=json.dumps(chain), api_name="/run_workflow")
    assert [step["brick"] for step in summary["steps"]] == ["generate", "invert"] and len(files) == 2
