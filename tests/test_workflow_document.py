"""Workflow documents: every problem refused before anything runs, with the JSON path of the field."""

import json
from pathlib import Path

import pytest
from PIL import Image

from qpyt_gradio.workflows.document import VERSION, WorkflowError, parse_text, read_workflow
from qpyt_gradio.workflows.plan import GivenFiles, plan

LIMITS = {"max_side": 2048}


def generate(**params):
    return {"brick": "generate", "params": {"prompt": "a cat", **params}}


def document(*steps, **fields):
    return {"version": VERSION, "name": "test", "steps": list(steps), **fields}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "A workflow is a JSON object, not a list"),
        ({"steps": [generate()]}, "version: missing; this app writes version 1"),
        ({"version": 7, "steps": [generate()]}, "version: 7 is newer than this app understands"),
        ({"version": "one", "steps": [generate()]}, "version: 'one' is not a version number"),
        (document(generate(), colour="red"), "colour: unknown field"),
        ({"version": 1}, "steps: missing"),
        (document(), "steps: must be a list of at least one step"),
        (document(*[generate()] * 500), "steps: 500 steps; a workflow has at most 64"),
        (document(generate(), name=3), "name: must be a text, not a number"),
        (document("generate"), r"steps\[0\]: a step is a JSON object, not a text"),
        (document({"params": {}}), r"steps\[0\]\.brick: missing"),
        (document({"brick": "upscal"}), r"steps\[0\]\.brick: unknown brick 'upscal'; use one of generate, img2img"),
        (document(generate(), {"brick": "upscale", "prams": {}}), r"steps\[1\]\.prams: unknown field"),
        (
            document(generate(), {"brick": "img2img", "params": {"strength": 1.7}}),
            r"steps\[1\]\.params\.strength: Strength 1\.7 is out of range: use 0\.01 to 1\.",
        ),
        (
            document(generate(), generate(), {"brick": "upscale", "params": {"strenght": 0.5}}),
            r"steps\[2\]\.params\.strenght: upscale has no parameter 'strenght'; use prompt, negative_prompt",
        ),
        (document(generate(steps="ten")), r"steps\[0\]\.params\.steps: Steps must be a whole number, not 'ten'"),
        (document(generate(steps=10**400)), r"steps\[0\]\.params\.steps: Steps must be a whole number, not '1000"),
        (document(generate(guidance=1e400)), r"steps\[0\]\.params\.guidance: Guidance inf is out of range"),
        (document(generate(num_images=True)), r"steps\[0\]\.params\.num_images: Number of images must be a number"),
        (document(generate(prompt=["a", "cat"])), r"steps\[0\]\.params\.prompt: Prompt must be a text"),
        (document(generate(model=None)), r"steps\[0\]\.params\.model: Model must be a text, not None"),
        (
            document({"brick": "img2img", "params": {"prompt": "x", "image": "/etc/passwd"}}),
            r"steps\[0\]\.params\.image: files come from the step's input",
        ),
        (document(generate(), {"brick": "upscale", "input": "two"}), r"steps\[1\]\.input: \"two\" is not a source"),
        (document(generate(), {"brick": "upscale", "input": -1}), r"steps\[1\]\.input: -1 is not a step number"),
        (
            document(generate(), {"brick": "upscale", "input": {"mask": 1}}),
            r"steps\[1\]\.input\.mask: upscale takes no input 'mask'; it takes image, prompt",
        ),
    ],
)
def test_malformed_workflows_name_the_field(value, message):
    with pytest.raises(WorkflowError, match=message):
        read_workflow(value, LIMITS)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((generate(), {"brick": "upscale", "input": 2}), r"steps\[1\]\.input: 2 points to this step itself"),
        ((generate(), {"brick": "upscale", "input": 3}, generate()), r"steps\[1\]\.input: 3 points to step 3, which"),
        (
            (generate(), {"brick": "vectorize"}, {"brick": "img2img", "params": {"prompt": "x"}}),
            r"steps\[2\]: img2img takes an image or a text, but step 2 \(vectorize\) gives an SVG",
        ),
        (
            ({"brick": "translate", "params": {"text": "un chat"}}, {"brick": "upscale"}),
            r"steps\[1\]: upscale takes an image or a text|steps\[1\]\.input: upscale needs an image",
        ),
        (
            ({"brick": "translate", "params": {"text": "un chat"}}, {"brick": "vectorize"}),
            r"steps\[1\]: vectorize takes an image, but step 1 \(translate\) gives a text",
        ),
        ((generate(), generate()), r"steps\[1\]: generate takes a text, but step 1 \(generate\) gives images"),
        (({"brick": "upscale"},), r"steps\[0\]: this step starts from the given image: give one \(Input images"),
        (
            (generate(), {"brick": "inpaint", "params": {"prompt": "x"}}),
            r"steps\[1\]\.input: inpaint needs a mask for 'mask'",
        ),
        (
            ({"brick": "translate", "params": {"text": "un chat"}}, {"brick": "img2img"}),
            r"steps\[1\]\.input: img2img needs an image for 'image': name its source",
        ),
        (({"brick": "generate"},), r"steps\[0\]\.params\.prompt: The prompt is empty"),
        (
            (generate(), {"brick": "img2img", "input": {"prompt": 1}}),
            r"steps\[1\]\.input\.prompt: prompt takes a text, but step 1 \(generate\) gives images",
        ),
        (
            ({"brick": "upscale", "input": {"file": "missing.png"}},),
            r"steps\[0\]\.input\.file: no file named 'missing\.png' was given",
        ),
        (
            ({"brick": "upscale", "input": {"sha256": "ab" * 32}},),
            r"steps\[0\]\.input\.sha256: the source image with SHA-256 abababababab… was not given",
        ),
    ],
)
def test_chains_that_cannot_fit_are_refused_before_anything_runs(steps, message):
    with pytest.raises(WorkflowError, match=message):
        plan(read_workflow(document(*steps), LIMITS), GivenFiles([]))


def test_routes_by_default_and_by_name(tmp_path):
    picture = tmp_path / "photo.png"
    Image.new("RGB", (32, 32), "red").save(picture)
    given = GivenFiles([picture])
    routes = plan(
        read_workflow(
            document(
                {"brick": "caption"},
                {"brick": "img2img", "input": {"image": 0, "prompt": 1}},
                {"brick": "upscale"},
                {"brick": "translate", "params": {"text": "un chat"}, "input": {}},
                generate(),
                {"brick": "img2img", "input": {"file": "photo.png"}, "params": {"prompt": "x"}},
                {"brick": "vectorize", "input": {"sha256": given.hash_of(picture)}},
            ),
            LIMITS,
        ),
        given,
    )
    described = [[(route.field, route.source.to_json()) for route in step.routes] for step in routes]
    assert described == [
        [("image", 0)],
        [("image", 0), ("prompt", 1)],
        [("image", 2)],
        [],
        [("prompt", 4)],
        [("image", {"file": "photo.png"})],
        [("image", {"sha256": given.hash_of(picture)})],
    ]
    assert routes[0].routes[0].path == routes[6].routes[0].path == picture


def test_a_prompt_fed_by_an_earlier_step_may_be_left_empty():
    fed = read_workflow(
        document(
            {"brick": "translate", "params": {"text": "un chat"}}, {"brick": "generate", "params": {"prompt": ""}}
        ),
        LIMITS,
    )
    assert [route.field for route in plan(fed, GivenFiles([]))[1].routes] == ["prompt"]


def test_json_text_limits_and_errors():
    with pytest.raises(WorkflowError, match=r"not valid JSON \(line 1, column 15: Expecting property name"):
        parse_text('{"version": 1,, "steps": []}')
    with pytest.raises(WorkflowError, match=r"The workflow is 10\.0 MB; the largest accepted is 1 MB"):
        parse_text(" " * (10 * 1024**2))
    with pytest.raises(WorkflowError, match="not a UTF-8 text"):
        parse_text(b"\xff\xfe{")
    workflow = read_workflow(parse_text(json.dumps(document(generate(steps=3.0)))), LIMITS)
    assert workflow.steps[0].params["steps"] == 3 and isinstance(workflow.steps[0].params["steps"], int)


def test_an_output_of_the_previous_version_is_upgraded():
    parameters = {
        "brick": "remove_background",
        "model": "u2net",
        "output": "mask",
        "source_sha256": "cd" * 32,
        "width": 10,
        "app": "Qpyt-UI 0.1.0",
    }
    workflow = read_workflow(parameters, LIMITS)
    assert workflow.to_json()["steps"] == [
        {
            "brick": "remove_background",
            "params": {"background_model": "u2net", "output": "mask"},
            "input": {"sha256": "cd" * 32},
        }
    ]
    with pytest.raises(WorkflowError, match="brick: 'paint' is not a brick this app knows"):
        read_workflow({"brick": "paint"}, LIMITS)


def test_a_document_round_trips(tmp_path):
    original = document(
        {"brick": "translate", "params": {"text": "un chat"}},
        {"brick": "generate", "params": {"model": "demo-sdxl", "seed": 4}},
        {"brick": "vectorize", "params": {"preset": "logo"}, "input": 2},
        description="three steps",
    )
    workflow = read_workflow(original, LIMITS)
    assert read_workflow(workflow.to_json(), LIMITS) == workflow
    assert workflow.to_json() == original
    assert Path(tmp_path).exists()
