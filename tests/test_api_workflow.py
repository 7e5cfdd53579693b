"""/run_workflow on the served demo app, and the MCP server that offers every brick as a tool."""

import asyncio
import json
import urllib.request

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from qpyt_gradio.bricks.table import BRICKS


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


CHAIN = {
    "version": 1,
    "name": "api-chain",
    "steps": [
        {"brick": "caption", "params": {"task": "short"}},
        {
            "brick": "img2img",
            "params": {"model": "demo-sd3", "steps": 2, "seed": 6},
            "input": {"image": 0, "prompt": 1},
        },
        {"brick": "vectorize", "params": {"preset": "logo"}},
    ],
}


def test_a_workflow_through_the_api_returns_its_files_and_parameters(client, tmp_path):
    picture = tmp_path / "picture.png"
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (64, 80, 3), dtype=np.uint8)).save(picture)
    files, used = client.predict(
        workflow=json.dumps(CHAIN), files=[handle_file(str(picture))], api_name="/run_workflow"
    )
    assert [step["brick"] for step in used["steps"]] == ["caption", "img2img", "vectorize"]
    assert used["steps"][1]["prompt"] == used["steps"][0]["text"]
    assert [file.rsplit(".", 1)[-1] for file in files] == ["png", "svg"]
    assert Image.open(files[0]).size == (80, 64)
    assert used["workflow"]["steps"][0]["input"]["image"]["sha256"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        (
            json.dumps({"version": 1, "steps": [{"brick": "generate"}]}),
            r"steps\[0\]\.params\.prompt: The prompt is empty",
        ),
        (json.dumps({**CHAIN, "steps": CHAIN["steps"][:1]}), r"steps\[0\]: this step starts from the given image"),
        (" " * (2 * 1024**2), "The workflow is 2.0 MB"),
    ],
)
def test_bad_workflows_get_a_message_and_the_app_keeps_serving(client, text, message):
    with pytest.raises(AppError, match=message):
        client.predict(workflow=text, api_name="/run_workflow")
    assert client.predict(text="un chat", api_name="/translate")[0]


def test_every_brick_and_the_runner_are_mcp_tools(served_app):
    with urllib.request.urlopen(served_app["url"] + "gradio_api/mcp/schema") as response:
        tools = {tool["name"]: tool for tool in json.load(response)}
    assert set(tools) == {*BRICKS, "run_workflow", "loras", "styles", "read_parameters", "history"}
    assert "ComfyUI" in tools["read_parameters"]["description"]
    assert "YYYY-MM-DD" in tools["history"]["inputSchema"]["properties"]["day"]["description"]
    strength = tools["img2img"]["inputSchema"]["properties"]["strength"]
    assert "0.01 to 1" in strength["description"] and strength["default"] == 0.6
    assert "Florence-2" in tools["caption"]["description"]


def test_an_mcp_client_calls_a_brick(served_app):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def call() -> list[str]:
        url = served_app["url"] + "gradio_api/mcp/"
        async with streamablehttp_client(url) as (read, write, _), ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("translate", {"text": "un chat noir sur une chaise"})
            assert not result.isError
            return [item.text for item in result.content]

    assert "Translated from French." in asyncio.run(call())[0]
