"""The presets shipped in presets/: at least ten, each checked and run end to end in demo mode."""

import pytest
from PIL import Image, ImageDraw

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.settings import PRESETS_DIR
from qpyt_gradio.workflows.document import read_workflow
from qpyt_gradio.workflows.plan import GivenFiles
from qpyt_gradio.workflows.runner import run_workflow
from qpyt_gradio.workflows.store import WorkflowFolder

PRESETS = WorkflowFolder(PRESETS_DIR, read_only=True)


def test_there_are_at_least_ten_with_a_description_and_their_own_name():
    listed = PRESETS.listed()
    assert len(listed) >= 10
    for item in listed:
        assert item.description and len(item.description) <= 120
        assert PRESETS.load(item.name)["name"] == item.name


@pytest.mark.parametrize("name", PRESETS.names())
def test_each_preset_runs_in_demo_mode(workspace, tmp_path, name):
    picture = tmp_path / "input.png"
    image = Image.new("RGB", (96, 64), "white")
    ImageDraw.Draw(image).ellipse((20, 8, 76, 56), fill=(200, 40, 30))
    image.save(picture)
    workflow = read_workflow(PRESETS.load(name), workspace.limits)
    run = run_workflow(workspace, Job(), workflow, GivenFiles([picture]))
    assert len(run.outcomes) == len(workflow.steps)
    assert run.outcomes[-1].result.paths, "the last step of a preset makes a file"
    for step in run.document["steps"]:
        model = step["params"].get("model")
        assert model is None or model.startswith("demo-"), "hub models run as the demo engine of their family"
