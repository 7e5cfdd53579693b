"""Settings from environment and flags; refusing an open public link."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qpyt_gradio.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_flags_override_environment():
    settings = load_settings(["--port", "9000"], {"QPYT_PORT": "8000", "QPYT_DEMO": "1", "QPYT_AUTH": "ann:secret"})
    assert (settings.port, settings.demo, settings.auth, settings.host) == (9000, True, ("ann", "secret"), "127.0.0.1")


def test_share_needs_auth_or_an_explicit_public_choice():
    with pytest.raises(SettingsError, match="--auth user:password, or --share-public"):
        load_settings(["--share"], {})
    assert load_settings(["--share", "--auth", "a:b"], {}).share
    assert load_settings(["--share", "--share-public"], {}).share_public


@pytest.mark.parametrize("auth", ["nopassword", ":x", "user:"])
def test_malformed_auth(auth):
    with pytest.raises(SettingsError, match="user:password"):
        load_settings(["--auth", auth], {})


def test_bad_environment_values():
    with pytest.raises(SettingsError, match="whole numbers"):
        load_settings([], {"QPYT_PORT": "http"})
    with pytest.raises(SettingsError, match="memory strategy"):
        load_settings([], {"QPYT_MEMORY": "turbo"})


def test_app_refuses_to_share_without_auth():
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--share"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--share-public" in result.stderr


def test_light_events_run_four_at_a_time_and_image_jobs_one(demo_settings, monkeypatch):
    from qpyt_gradio.cli import prepare_environment
    from qpyt_gradio.ui.api import LANE_THREADS
    from qpyt_gradio.ui.page import build_app
    from qpyt_gradio.workspace import Workspace

    monkeypatch.delenv("GRADIO_DEFAULT_CONCURRENCY_LIMIT", raising=False)
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    prepare_environment(demo_settings)
    assert os.environ["GRADIO_TEMP_DIR"] == str(demo_settings.cache_dir / "gradio-uploads")
    app = build_app(Workspace.from_settings(demo_settings))
    assert app._queue.default_concurrency_limit == 4
    gpu_events = [fn for fn in app.fns.values() if fn.concurrency_id == "gpu"]
    assert gpu_events and all(fn.concurrency_limit == LANE_THREADS for fn in gpu_events), "they wait in the lane"


def test_mcp_is_off_unless_asked(demo_settings):
    from dataclasses import replace

    from qpyt_gradio.ui.page import launch_options
    from qpyt_gradio.workspace import Workspace

    assert not load_settings([], {}).mcp
    assert load_settings(["--mcp"], {}).mcp and load_settings([], {"QPYT_MCP": "1"}).mcp
    assert launch_options(Workspace.from_settings(demo_settings))["mcp_server"] is False
    assert launch_options(Workspace.from_settings(replace(demo_settings, mcp=True)))["mcp_server"] is True
