"""``gradio app.py``: an edit builds the page again while the workspace keeps its registry and its models;
``python app.py`` and ``import app`` stay as they were."""

from __future__ import annotations

import json
import logging
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from conftest import free_port

from qpyt_gradio.development import report_kept_edits

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PROBE = Path(__file__).resolve().parent / "support" / "hot_reload_probe.py"


def gradio_reload_environment(*watched: Path) -> dict[str, str]:
    """The environment ``gradio app.py --watch-dirs ...`` gives app.py's process, run from ROOT."""
    return dict(
        os.environ,
        GRADIO_WATCH_DIRS=",".join(str(folder) for folder in (ROOT, *watched)),
        GRADIO_WATCH_MODULE_NAME="app",
        GRADIO_WATCH_DEMO_NAME="",
        GRADIO_WATCH_DEMO_PATH=str(APP),
        GRADIO_WATCH_ENCODING="utf-8",
    )


def test_an_edit_builds_the_page_again_and_keeps_the_workspace_with_its_model(tmp_path, cache_dir, demo_models):
    edits = tmp_path / "edits"
    edits.mkdir()
    edit = edits / "edit.py"
    edit.write_text("EDITED = 0\n")
    flags = ["--demo", "--port", str(free_port()), "--cache-dir", str(cache_dir)]
    for name in ("models", "outputs", "workflows", "loras", "styles"):
        flags += [f"--{name}-dir", str(tmp_path / name)]
    result = subprocess.run(
        [sys.executable, "-u", str(PROBE), str(APP), str(edit), *flags],
        cwd=ROOT,
        env=gradio_reload_environment(edits),
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("FACTS ")]
    assert lines, result.stdout + result.stderr
    assert json.loads(lines[0].removeprefix("FACTS ")) == {
        "new page served": True,
        "page module loaded again": True,
        "same workspace": True,
        "same registry": True,
        "same pipeline": True,
        "loads": {"demo-sdxl": 1},
        "one error class": True,
    }, result.stderr[-4000:]


def test_importing_app_serves_nothing(monkeypatch):
    monkeypatch.delenv("GRADIO_WATCH_DIRS", raising=False)
    namespace = runpy.run_path(str(APP), run_name="app")
    assert not {"demo", "workspace"} & namespace.keys()


def test_an_edit_to_a_module_the_workspace_is_made_of_is_named_in_the_log(tmp_path, caplog):
    kept, edited = ModuleType("kept"), ModuleType("edited")
    kept.__file__, edited.__file__ = str(tmp_path / "kept.py"), str(tmp_path / "edited.py")
    since = time.time()
    for module, seconds in ((kept, since - 5), (edited, since + 5)):
        Path(module.__file__).write_text("")
        os.utime(module.__file__, (seconds, seconds))
    modules = {"kept": kept, "edited": edited, "namespace": ModuleType("namespace")}
    with caplog.at_level(logging.WARNING, "qpyt_gradio.development"):
        assert report_kept_edits(modules, since) == [tmp_path / "edited.py"]
    assert "edited.py was edited" in caplog.text and "restart" in caplog.text
