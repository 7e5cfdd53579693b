"""LoRAs through the bricks: loaded once per file, re-weighted without reading it, exact when off or removed,
refused when they do not fit, recorded in the outputs."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.lora_files import kohya_sdxl_lora, pickle_file, random_bytes
from support.running import run

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.metadata import A1111_CHUNK, read_parameters
from qpyt_gradio.validation import lora_choices
from qpyt_gradio.workspace import Workspace

INK, GLOW = "demo-sdxl-ink", "demo-flux-glow"
FAST = {"model": "demo-sdxl", "prompt": "a lighthouse", "seed": 7, "steps": 2, "width": 64, "height": 64}

OPENED: list[str] = []


def _count_opens(event: str, args: tuple) -> None:
    if event == "open" and args and isinstance(args[0], (str, Path)):
        OPENED.append(str(args[0]))


sys.addaudithook(_count_opens)


def pixels(result) -> np.ndarray:
    with Image.open(result.paths[0]) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def generate(workspace: Workspace, **values) -> np.ndarray:
    return pixels(run(workspace, "generate", **{**FAST, **values}))


@pytest.fixture()
def unfused(demo_settings) -> Workspace:
    return Workspace.from_settings(replace(demo_settings, lora_fusing="unfused"))


def test_the_demo_mode_builds_one_lora_per_engine(workspace):
    families = {item.name: item.info.family for item in workspace.loras.usable()}
    assert families == {INK: "sdxl", GLOW: "flux", "demo-sd3-grain": "sd3"}
    assert workspace.loras.get(INK).triggers == ("ink style",)


def test_weights_change_the_image_and_zero_or_removed_gives_the_base_pixels_exactly(unfused):
    base = generate(unfused)
    full = generate(unfused, loras=[[INK, 1.0]])
    half = generate(unfused, loras=[[INK, 0.5]])
    assert np.abs(full - base).mean() > 1 and np.abs(full - half).mean() > 0.5
    assert np.array_equal(generate(unfused, loras=[[INK, 0.0]]), base)
    assert np.array_equal(generate(unfused), base)
    assert unfused.registry.adapter_file_reads() == 1
    assert np.array_equal(generate(unfused, loras=[[INK, 1.0]]), full)
    assert unfused.registry.adapter_file_reads() == 2  # removed, so read again


def test_a_style_can_bring_a_lora_as_a_tag_or_in_its_list(unfused):
    styles = unfused.settings.styles_dir
    styles.mkdir(parents=True)
    (styles / "mine.csv").write_text(f"name,prompt,negative_prompt\nInked,<lora:{INK}:0.7> ink drawing,\n")
    (styles / "mine.json").write_text(json.dumps([{"name": "Listed", "prompt": "{prompt}", "loras": [[INK, 0.7]]}]))
    unfused.reload_styles()
    tagged = run(unfused, "generate", **FAST, styles=["Inked"])
    assert tagged.parameters["lora_files"][0]["name"] == INK and "<lora" not in tagged.parameters["model_prompt"]
    assert np.array_equal(
        pixels(run(unfused, "generate", **FAST, styles=["Listed"])), generate(unfused, loras=[[INK, 0.7]])
    )


def test_fused_loras_match_unfused_and_unfusing_is_exact(workspace, unfused):
    fused = workspace
    base = generate(fused)
    with_lora = generate(fused, loras=[[INK, 0.8]])
    assert np.abs(with_lora - generate(unfused, loras=[[INK, 0.8]])).max() <= 2
    assert np.abs(generate(fused, loras=[[INK, 0.3]]) - generate(unfused, loras=[[INK, 0.3]])).max() <= 2
    assert np.array_equal(generate(fused), base)


def test_fused_by_default_a_set_gives_the_same_pixels_whatever_ran_before(workspace):
    first = generate(workspace, loras=[[INK, 0.8]])
    assert [row.placement for row in workspace.registry.report() if row.role == "LoRA"] == ["fused · 0.8"]
    generate(workspace, loras=[[INK, -0.4]])
    generate(workspace)
    assert np.array_equal(generate(workspace, loras=[[INK, 0.8]]), first)


def test_a_file_that_fails_to_load_leaves_the_others_as_asked(workspace, unfused):
    from safetensors.torch import load_file, save_file

    folder = workspace.settings.lora_dir
    folder.mkdir(parents=True)
    tensors = load_file(str(workspace.loras.get(INK).path))
    first = next(key for key in tensors if "lora_A" in key)
    tensors[first] = tensors[first][:, :-1].contiguous()  # one input column short: the family reads as SDXL
    save_file(tensors, str(folder / "bad-shape.safetensors"))
    workspace.loras.scan()
    expected = generate(workspace, loras=[[INK, 1.0]])
    with pytest.raises(InvalidInput, match="'bad-shape' does not fit demo-sdxl"):
        generate(workspace, loras=[[INK, 0.0], ["bad-shape", 1.0]])
    assert np.array_equal(generate(workspace, loras=[[INK, 1.0]]), expected)
    assert np.array_equal(generate(workspace), generate(unfused))


def test_an_unreadable_file_is_listed_as_refused_and_the_folder_still_loads(workspace):
    folder = workspace.settings.lora_dir
    folder.mkdir(parents=True)
    header = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    (folder / "deep.safetensors").write_bytes(len(header).to_bytes(8, "little") + header)
    rows = {item.name: item for item in workspace.loras.scan()}
    assert rows["deep"].problem and not rows["deep"].usable and INK in rows


def test_weight_changes_read_no_file(unfused):
    generate(unfused, loras=[[INK, 1.0]])
    lora_file = str(unfused.loras.get(INK).path)
    reads = unfused.registry.adapter_file_reads()
    OPENED.clear()
    for weight in np.linspace(-1, 1, 10):
        run(unfused, "generate", **{**FAST, "loras": [[INK, float(weight)]]})
    assert lora_file not in OPENED
    assert unfused.registry.adapter_file_reads() == reads


def test_img2img_shares_the_adapters_of_the_generate_pipeline(unfused, tmp_path):
    made = run(unfused, "generate", **FAST, loras=[[INK, 1.0]])
    reads = unfused.registry.adapter_file_reads()
    run(unfused, "img2img", image=str(made.paths[0]), prompt="x", model="demo-sdxl", steps=2, loras=[[INK, 0.5]])
    assert unfused.registry.adapter_file_reads() == reads


def test_a_lora_of_another_family_is_refused_before_anything_changes(unfused):
    generate(unfused, loras=[[INK, 1.0]])
    before = unfused.registry.report()
    with pytest.raises(InvalidInput, match=r"made for FLUX\.1, but demo-sdxl is SDXL"):
        generate(unfused, loras=[[INK, 0.5], [GLOW, 1.0]])
    assert unfused.registry.report() == before


def test_switching_the_model_drops_the_adapters(unfused):
    generate(unfused, loras=[[INK, 1.0]])
    run(unfused, "generate", **{**FAST, "model": "demo-flux", "loras": [[GLOW, 1.0]]})
    roles = [(row.name, row.role) for row in unfused.registry.report()]
    assert (GLOW, "LoRA") in roles and (INK, "LoRA") not in roles


def test_a_prompt_tag_works_like_the_list_and_the_saved_prompt_keeps_it(unfused):
    listed = run(unfused, "generate", **FAST, loras=[[INK, 0.7]])
    tagged = run(unfused, "generate", **{**FAST, "prompt": "a lighthouse <lora:demo-sdxl-ink:0.7>"})
    assert np.array_equal(pixels(listed), pixels(tagged))
    stored = read_parameters(tagged.paths[0])
    assert stored["prompt"] == "a lighthouse <lora:demo-sdxl-ink:0.7>"
    assert stored["lora_files"][0]["name"] == INK and len(stored["lora_files"][0]["sha256"]) == 64


def test_outputs_record_lora_hashes_and_styles_as_a1111_does(unfused):
    result = run(unfused, "generate", **FAST, loras=[[INK, 0.7]], styles=["Cinematic Still"])
    with Image.open(result.paths[0]) as image:
        text = image.text[A1111_CHUNK]
    data = unfused.loras.get(INK).path.read_bytes()
    after_header = hashlib.sha256(data[8 + int.from_bytes(data[:8], "little") :]).hexdigest()
    assert "<lora:demo-sdxl-ink:0.7>" in text.splitlines()[0]
    assert f'Lora hashes: "{INK}: {after_header[:12]}"' in text, "A1111's hash: the bytes after the header"
    assert 'Styles array: "[\\"Cinematic Still\\"]"' in text
    stored = read_parameters(result.paths[0])
    assert stored["styles"] == ["Cinematic Still"] and "a lighthouse" in stored["model_prompt"]


def test_a_kohya_sdxl_lora_is_listed_and_applied(unfused):
    from qpyt_gradio.demo.pipelines import sdxl_pipeline

    folder = unfused.settings.lora_dir
    folder.mkdir(parents=True)
    kohya_sdxl_lora(sdxl_pipeline(), folder / "kohya-ink.safetensors", seed=5)
    item = unfused.loras.get("kohya-ink")
    assert (item.info.family, item.info.format) == ("sdxl", "kohya")
    assert np.abs(generate(unfused, loras=[["kohya-ink", 1.0]]) - generate(unfused)).mean() > 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[INK, math.nan]], "out of range"),
        ([[INK, 100]], r"100 is out of range: use -2 to 2"),
        ([[INK, -100]], "out of range"),
        ([[INK, "strong"]], "must be a number"),
        ([[INK, True]], "must be a number"),
        ([[f"lora{index}", 1] for index in range(50)], "50 LoRAs at once; use 8 or fewer"),
        ([[INK, 1], [INK, 0.5]], "listed twice"),
        ([[""]], "is not a name"),
        ([42], r"write each LoRA as \[name, weight\]"),
    ],
)
def test_bad_lora_values_are_refused_with_a_message(value, message):
    with pytest.raises(InvalidInput, match=message):
        lora_choices("LoRAs", value)


def test_lora_choices_read_lists_dicts_and_text():
    assert lora_choices("LoRAs", "a:0.5, b") == (("a", 0.5), ("b", 1.0))
    assert lora_choices("LoRAs", [{"name": "a", "weight": -1}]) == (("a", -1.0),)


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("x <lora:../../x:1>", r"No LoRA is called '\.\./\.\./x'"),
        ("x <lora:/etc/passwd:1>", r"No LoRA is called '/etc/passwd'"),
        ("x <lora:demo-sdxl-inc:1>", r"Did you mean 'demo-sdxl-ink'"),
        ("x <lora:demo-sdxl-ink:lots>", "must be a number"),
    ],
)
def test_bad_prompt_tags_are_refused_with_a_message(unfused, prompt, message):
    with pytest.raises(InvalidInput, match=message):
        generate(unfused, prompt=prompt)


def test_the_folder_lists_pickles_and_broken_files_as_refused(workspace):
    folder = workspace.settings.lora_dir
    folder.mkdir(parents=True)
    pickle_file(folder / "old.ckpt")
    random_bytes(folder / "noise.safetensors")
    rows = {item.name: item for item in workspace.loras.scan()}
    assert "pickles" in rows["old.ckpt"].problem and not rows["old.ckpt"].usable
    assert rows["noise"].problem and not rows["noise"].usable
    with pytest.raises(InvalidInput, match="cannot be used"):
        generate(workspace, loras=[["noise", 1]])
    with pytest.raises(InvalidInput, match=r"LoRA 'old' is old\.ckpt, which is not used: .*pickle"):
        generate(workspace, loras=[["old", 1]])
    with pytest.raises(InvalidInput, match="Usable LoRAs: ") as refused:
        generate(workspace, loras=[["zzzz-unknown", 1]])
    assert "noise" not in str(refused.value), "files that cannot be used are not offered"


def test_rename_and_delete_stay_inside_the_folder(workspace):
    folder = workspace.settings.lora_dir
    folder.mkdir(parents=True)
    shutil.copy(workspace.loras.get(INK).path, folder / "mine.safetensors")
    Image.new("RGB", (8, 8)).save(folder / "mine.png")
    assert workspace.loras.scan() and workspace.loras.get("mine").preview == folder / "mine.png"
    for bad in ("../escape", "/etc/x", "CON", "", "a" * 300, "nul\x00"):
        with pytest.raises(InvalidInput):
            workspace.loras.rename("mine", bad)
    with pytest.raises(InvalidInput, match="exists already"):
        workspace.loras.rename("mine", INK)
    renamed = workspace.loras.rename("mine", "my ink")
    assert renamed.path == folder / "my ink.safetensors" and (folder / "my ink.png").exists()
    workspace.loras.delete("my ink")
    assert sorted(path.name for path in folder.iterdir()) == []
    with pytest.raises(InvalidInput, match="No LoRA is called"):
        workspace.loras.delete("my ink")


def test_a_workflow_carries_its_loras_and_styles_into_its_outputs(unfused):
    from qpyt_gradio.bricks.contract import Job
    from qpyt_gradio.workflows.document import WorkflowError, read_workflow
    from qpyt_gradio.workflows.plan import GivenFiles
    from qpyt_gradio.workflows.runner import run_workflow

    step = {"brick": "generate", "params": {**FAST, "loras": [[INK, 0.5]], "styles": ["Film Noir"]}}
    workflow = read_workflow({"version": 1, "name": "inked", "steps": [step]}, unfused.limits)
    done = run_workflow(unfused, Job(), workflow, GivenFiles([]))
    recorded = read_parameters(done.files[0])["workflow"]["steps"][0]["params"]
    assert (recorded["loras"], recorded["styles"]) == ([[INK, 0.5]], ["Film Noir"])
    step["params"]["loras"] = [[INK, 7]]
    with pytest.raises(WorkflowError, match=r"steps\[0\]\.params\.loras: .*out of range"):
        read_workflow({"version": 1, "name": "bad", "steps": [step]}, unfused.limits)
