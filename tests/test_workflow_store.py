"""Saved workflows and presets: names checked before they become files, atomic writes, no silent overwrite."""

import json

import pytest

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.settings import PRESETS_DIR
from qpyt_gradio.workflows.document import WorkflowError
from qpyt_gradio.workflows.store import WorkflowExists, WorkflowFolder, check_name

DOCUMENT = {"version": 1, "name": "x", "steps": [{"brick": "generate", "params": {"prompt": "a cat"}}]}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "The workflow has no name"),
        ("   ", "The workflow has no name"),
        ("../../x", "cannot be a workflow name"),
        ("/etc/passwd", "cannot be a workflow name"),
        ("a/b", "cannot be a workflow name"),
        ("a\\b", "cannot be a workflow name"),
        ("..", "cannot be a workflow name"),
        (".hidden", "cannot be a workflow name"),
        ("trailing.", "cannot be a workflow name"),
        ("CON", "reserved device name"),
        ("lpt1.backup", "reserved device name"),
        ("x" * 300, "The name has 300 characters; use 64 or fewer"),
        ("bad\x00name", "control characters"),
        ("tab\there", "control characters"),
        (3, "A workflow name is a text"),
    ],
)
def test_names_that_cannot_be_files_are_refused(name, message):
    with pytest.raises(InvalidInput, match=message):
        check_name(name)


def test_good_names():
    assert check_name("  My upscale 2x_v1.2-final ") == "My upscale 2x_v1.2-final"
    assert check_name("Console") == "Console"


def test_save_load_rename_delete_round_trip(tmp_path):
    folder = WorkflowFolder(tmp_path / "workflows")
    assert folder.names() == []
    path = folder.save("first try", {**DOCUMENT, "description": "a cat"})
    assert path == tmp_path / "workflows" / "first try.json"
    assert folder.load("first try") == {**DOCUMENT, "name": "first try", "description": "a cat"}
    assert [(item.name, item.description) for item in folder.listed()] == [("first try", "a cat")]
    with pytest.raises(WorkflowExists, match="exists already: tick “Overwrite”"):
        folder.save("first try", DOCUMENT)
    assert folder.load("first try")["description"] == "a cat", "nothing was lost"
    folder.save("first try", DOCUMENT, overwrite=True)
    assert "description" not in folder.load("first try")
    folder.save("second", DOCUMENT)
    with pytest.raises(WorkflowExists, match="'second' exists already: choose another name"):
        folder.rename("first try", "second")
    folder.rename("first try", "renamed")
    assert folder.names() == ["renamed", "second"]
    folder.delete("renamed")
    assert folder.names() == ["second"]
    with pytest.raises(InvalidInput, match="There is no workflow named 'renamed'"):
        folder.load("renamed")
    with pytest.raises(InvalidInput, match="cannot be a workflow name"):
        folder.delete("../second")
    assert not [path for path in (tmp_path / "workflows").iterdir() if path.name.startswith(".partial")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["workflows"], "nothing written outside the folder"


def test_a_failed_write_leaves_the_saved_workflow_whole(tmp_path, monkeypatch):
    folder = WorkflowFolder(tmp_path)
    folder.save("kept", DOCUMENT)
    before = (tmp_path / "kept.json").read_text()

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("qpyt_gradio.workflows.store.os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        folder.save("kept", {**DOCUMENT, "description": "new"}, overwrite=True)
    assert (tmp_path / "kept.json").read_text() == before
    assert [path.name for path in tmp_path.iterdir()] == ["kept.json"]


def test_presets_are_read_only_and_a_broken_file_is_reported(tmp_path):
    presets = WorkflowFolder(PRESETS_DIR, read_only=True)
    assert len(presets.names()) >= 10 and all(item.description for item in presets.listed())
    with pytest.raises(InvalidInput, match="Presets are read-only"):
        presets.save("new", DOCUMENT)
    with pytest.raises(InvalidInput, match="Presets are read-only"):
        presets.delete(presets.names()[0])
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "fine.json").write_text(json.dumps(DOCUMENT))
    (tmp_path / ".partial-abc.json").write_text(json.dumps(DOCUMENT))
    (tmp_path / "CON.json").write_text(json.dumps(DOCUMENT))
    folder = WorkflowFolder(tmp_path)
    assert folder.names() == ["fine"], "unreadable files and names that cannot be loaded are not listed"
    with pytest.raises(WorkflowError, match="not valid JSON"):
        folder.load("broken")


def test_an_oversized_workflow_file_is_refused_by_its_size_before_it_is_read(tmp_path, monkeypatch):
    store = WorkflowFolder(tmp_path)
    (tmp_path / "huge.json").write_bytes(b" " * (2 * 1024**2) + b"{}")
    opened = []
    monkeypatch.setattr(type(tmp_path), "read_bytes", lambda path: opened.append(path) or b"{}")
    with pytest.raises(WorkflowError, match=r"The workflow is 2\.0 MB; the largest accepted is 1 MB\."):
        store.load("huge")
    assert opened == [] and store.names() == []
