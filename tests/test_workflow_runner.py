"""The workflow runner and the headless command: chains through the table, decided seeds, kept outputs
when a step fails, and outputs that run again to the same pixels."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from qpyt_gradio.bricks.contract import Holds, Job
from qpyt_gradio.workflows.document import WorkflowError, read_workflow
from qpyt_gradio.workflows.embedded import workflow_in_file
from qpyt_gradio.workflows.plan import GivenFiles
from qpyt_gradio.workflows.runner import WorkflowCancelled, WorkflowFailed, run_workflow

ROOT = Path(__file__).resolve().parent.parent


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB"))


def workflow(*steps, name="test"):
    return read_workflow({"version": 1, "name": name, "steps": list(steps)}, {"max_side": 2048})


GENERATE = {"brick": "generate", "params": {"prompt": "a lighthouse", "model": "demo-sdxl", "seed": -1}}


@pytest.fixture()
def photo(tmp_path):
    path = tmp_path / "photo.png"
    image = Image.new("RGB", (96, 64), "white")
    ImageDraw.Draw(image).ellipse((20, 8, 76, 56), fill=(30, 90, 200))
    image.save(path)
    return path


def test_a_chain_runs_with_each_step_taking_the_previous_output(workspace):
    stages = []
    run = run_workflow(
        workspace,
        Job(),
        workflow(
            {"brick": "translate", "params": {"text": "un phare sur une falaise"}},
            {"brick": "generate", "params": {"model": "demo-sd3", "steps": 2}},
            {"brick": "upscale", "params": {"scale": 1.5, "steps": 4}},
            {"brick": "vectorize", "params": {"preset": "logo"}},
        ),
        GivenFiles([]),
        lambda number, total, brick: stages.append((number, total, brick.name)),
    )
    assert stages == [(1, 4, "translate"), (2, 4, "generate"), (3, 4, "upscale"), (4, 4, "vectorize")]
    translated, generated, upscaled, traced = run.outcomes
    assert generated.result.parameters["prompt"] == translated.result.text
    assert upscaled.result.parameters["model"] == "demo-sd3", "a step without a model keeps the one before"
    assert Image.open(upscaled.result.paths[0]).size == (192, 192)
    assert traced.result.holds is Holds.SVG and traced.result.paths[0].suffix == ".svg"
    steps = run.document["steps"]
    assert steps[1]["params"]["seed"] >= 0 and steps[2]["input"] == {"image": 2} and steps[1]["input"] == {"prompt": 1}
    stored = json.loads(Image.open(upscaled.result.paths[0]).text["qpyt"])
    assert stored["workflow"] == run.document and stored["workflow_step"] == 3


def test_an_output_runs_again_to_the_same_pixels(workspace, photo):
    first = run_workflow(
        workspace,
        Job(),
        workflow(
            {"brick": "img2img", "params": {"prompt": "a vase", "model": "demo-flux", "steps": 2}},
            {**GENERATE, "input": {}},
        ),
        GivenFiles([photo]),
    )
    made = first.outcomes[0].result.paths[0]
    recorded = read_workflow(workflow_in_file(made), workspace.limits)
    with pytest.raises(WorkflowError, match=r"the source image with SHA-256 .* was not given"):
        run_workflow(workspace, Job(), recorded, GivenFiles([]))
    again = run_workflow(workspace, Job(), recorded, GivenFiles([photo]))
    for before, after in zip(first.outcomes, again.outcomes, strict=True):
        assert np.array_equal(pixels(before.result.paths[0]), pixels(after.result.paths[0]))


def test_a_failing_step_is_named_and_the_outputs_before_it_are_kept(workspace):
    failing = {"brick": "upscale", "params": {"tile": 128, "overlap": 100}}
    with pytest.raises(WorkflowFailed, match=r"^Step 3 \(upscale\): Overlap 100 must be less than half") as stopped:
        run_workflow(
            workspace,
            Job(),
            workflow(GENERATE, {"brick": "retouch", "params": {"brightness": 10}}, failing),
            GivenFiles([]),
        )
    kept = [path for outcome in stopped.value.kept for path in outcome.result.paths]
    assert len(kept) == 2 and all(path.is_file() for path in kept)
    assert f"The outputs of steps 1–2 are kept: {kept[0].name}, {kept[1].name}." in str(stopped.value)


def test_cancel_stops_the_run_between_steps_and_keeps_what_was_made(workspace):
    cancel = threading.Event()

    def stop_before_the_second(number, _total, _brick):
        if number == 2:
            cancel.set()

    with pytest.raises(WorkflowCancelled, match=r"Step 2 \(upscale\): Cancelled") as stopped:
        run_workflow(
            workspace,
            Job(cancel=cancel),
            workflow(GENERATE, {"brick": "upscale", "params": {"steps": 4}}),
            GivenFiles([]),
            stop_before_the_second,
        )
    assert len(stopped.value.kept) == 1


def test_cancel_pressed_during_the_last_sampling_step_stops_a_step_that_does_not_sample(workspace):
    cancel = threading.Event()

    class PressCancelAtTheEnd:
        def step(self, done, total, preview, unit="step"):
            if done == total:
                cancel.set()

        def text(self, partial):
            raise AssertionError("no step here writes text")

    with pytest.raises(WorkflowCancelled, match=r"^Step 2 \(vectorize\): Cancelled before it started\.") as stopped:
        run_workflow(
            workspace,
            Job(cancel=cancel, reporter=PressCancelAtTheEnd()),
            workflow(GENERATE, {"brick": "vectorize"}),
            GivenFiles([]),
        )
    assert len(stopped.value.kept) == 1


def test_in_demo_mode_hub_models_run_as_the_demo_model_of_their_family(workspace):
    run = run_workflow(
        workspace,
        Job(),
        workflow({"brick": "generate", "params": {"prompt": "a fox", "model": "black-forest-labs/FLUX.1-schnell"}}),
        GivenFiles([]),
    )
    assert run.document["steps"][0]["params"]["model"] == "demo-flux"
    assert run.notes == ("Demo mode: step 1 runs black-forest-labs/FLUX.1-schnell as demo-flux.",)
    with pytest.raises(WorkflowError, match=r"steps\[0\]\.params\.model: Unknown model 'nope'"):
        run_workflow(
            workspace, Job(), workflow({**GENERATE, "params": {"prompt": "x", "model": "nope"}}), GivenFiles([])
        )


def cli(*arguments, cache_dir, cwd):
    command = [sys.executable, "-m", "qpyt_gradio", "run", *map(str, arguments), "--cache-dir", str(cache_dir)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=environment)


def test_the_headless_command_runs_a_workflow_and_an_output_again(tmp_path, cache_dir, demo_models, photo):
    document = {
        "version": 1,
        "name": "cli",
        "steps": [
            {"brick": "img2img", "params": {"prompt": "a vase", "model": "demo-sd3", "steps": 2, "seed": 5}},
            {"brick": "remove_background", "params": {"output": "mask"}},
        ],
    }
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(document))
    done = cli(
        path,
        "--out",
        tmp_path / "out",
        "--input",
        photo,
        "--set",
        "1.seed=9",
        "--demo",
        "--models-dir",
        tmp_path / "no-models",
        cache_dir=cache_dir,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    files = [Path(name) for name in summary["files"]]
    assert [file.parent for file in files] == [tmp_path / "out"] * 2
    assert summary["steps"][0]["seed"] == 9 and "step 2/2: remove_background" in done.stderr
    again = cli(files[1], "--out", tmp_path / "again", "--input", photo, "--demo", cache_dir=cache_dir, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    remade = [Path(name) for name in json.loads(again.stdout)["files"]]
    assert all(np.array_equal(pixels(a), pixels(b)) for a, b in zip(files, remade, strict=True))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.json"], "missing.json is not a file"),
        (["chain.json", "--set", "seed=3"], "--set seed=3: write it as N.param=value"),
        (["chain.json", "--set", "4.seed=3"], "--set 4.seed=3: the workflow has 1 step"),
        (["chain.json", "--set", "1.strength=7"], "steps[0].params.strength: Strength 7 is out of range"),
        (["plain.png"], "plain.png carries no workflow"),
        (["chain.json", "--memory", "turbo"], "invalid choice: 'turbo'"),
    ],
)
def test_the_headless_command_explains_bad_input(tmp_path, cache_dir, arguments, message):
    (tmp_path / "chain.json").write_text(
        json.dumps({"version": 1, "steps": [{"brick": "img2img", "params": {"prompt": "x"}}]})
    )
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    done = cli(*arguments, "--out", tmp_path / "out", "--demo", cache_dir=cache_dir, cwd=tmp_path)
    assert done.returncode in (1, 2) and message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_chain_whose_prompt_comes_from_a_text_runs_again_from_its_output(workspace):
    run = run_workflow(
        workspace,
        Job(),
        workflow(
            {"brick": "enhance_prompt", "params": {"text": "a fox", "engine": "sdxl", "seed": 1}},
            {"brick": "generate", "params": {"model": "demo-sdxl", "seed": 4, "steps": 2}},
        ),
        GivenFiles([]),
    )
    made = run.outcomes[1].result.paths[0]
    again = run_workflow(workspace, Job(), read_workflow(workflow_in_file(made), workspace.limits), GivenFiles([]))
    assert np.array_equal(pixels(made), pixels(again.outcomes[1].result.paths[0]))


def test_an_output_of_the_previous_version_runs_with_a_change(workspace, tmp_path, photo, capsys):
    from qpyt_gradio.headless import main
    from qpyt_gradio.metadata import png_info
    from qpyt_gradio.workflows.plan import source_hash

    old = tmp_path / "old.png"
    parameters = {"brick": "retouch", "brightness": 20.0, "source_sha256": source_hash(photo), "app": "Qpyt-UI 0.1.0"}
    Image.new("RGB", (8, 8)).save(old, pnginfo=png_info(parameters))
    settings = ["--demo", "--cache-dir", str(workspace.settings.cache_dir), "--models-dir", str(tmp_path / "none")]
    code = main([str(old), "--out", str(tmp_path / "out"), "--input", str(photo), "--set", "1.contrast=10", *settings])
    assert code == 0, capsys.readouterr().err
    used = json.loads(capsys.readouterr().out)["steps"][0]
    assert (used["brick"], used["brightness"], used["contrast"]) == ("retouch", 20.0, 10.0)


def test_a_remembered_enhancer_that_is_no_longer_offered_falls_back(workspace):
    from qpyt_gradio.ui.sidebar import choices_from

    assert choices_from({"enhance_model": "someone/else", "live_preview": False}, workspace).enhance_model == ""
    assert not choices_from({"live_preview": False}, workspace).live_preview
    assert choices_from("garbage", workspace) == workspace.default_choices()
