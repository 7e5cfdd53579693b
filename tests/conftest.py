"""Shared fixtures: offline environment, tiny models built once per session, a served demo app."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.sd3_original import write_single_file

from qpyt_gradio.demo.models import build_demo_model, demo_specs
from qpyt_gradio.models.catalog import Catalog, ModelSpec

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qpyt-cache")


@pytest.fixture(scope="session")
def demo_models(cache_dir: Path) -> dict[str, ModelSpec]:
    """The three demo models, built once for the whole test session."""
    specs = demo_specs(cache_dir / "demo-models")
    for spec in specs:
        build_demo_model(spec)
    return {spec.name: spec for spec in specs}


@pytest.fixture()
def catalog(workspace) -> Catalog:
    """The demo workspace's model list: the demo models first, then the well-known hub ids."""
    return workspace.catalog


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def write_problem_models(models_dir: Path) -> None:
    """Files a user might drop in models/ that must be refused or fail with a clear message."""
    import torch
    from safetensors.torch import save_file

    (models_dir / "old-model.ckpt").write_bytes(b"not loaded")
    (models_dir / "corrupted.safetensors").write_bytes(b"\xff" * 64)
    flux_key = "double_blocks.0.img_attn.norm.key_norm.scale"
    save_file({flux_key: torch.zeros(4)}, str(models_dir / "truncated-flux.safetensors"))
    truncated = models_dir / "truncated-flux.safetensors"
    truncated.write_bytes(truncated.read_bytes()[:-4])
    save_file({"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(4)}, str(models_dir / "sd15.safetensors"))
    save_file({flux_key: torch.zeros(4)}, str(models_dir / "flux-transformer-only.safetensors"))
    save_file({flux_key: torch.zeros(4)}, str(models_dir / "soon-deleted-flux.safetensors"))


@contextmanager
def serving(work: Path, cache_dir: Path, *options: str) -> Iterator[dict]:
    """``python app.py --demo *options`` on 127.0.0.1 with its folders in ``work``, as a user starts it;
    yields its URL and folders, and stops it afterwards."""
    folders = {name: work / name for name in ("models", "outputs", "workflows", "loras", "styles")}
    folders["models"].mkdir(exist_ok=True)
    port = free_port()
    command = [sys.executable, str(ROOT / "app.py"), "--demo", "--port", str(port), "--cache-dir", str(cache_dir)]
    for name, folder in folders.items():
        command += [f"--{name}-dir", str(folder)]
    log_path = work / "app.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, *options], cwd=work, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_for_http(url, process)
            yield {"url": url, **folders, "cache": cache_dir, "log": log_path}
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def served_app(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path, demo_models: dict) -> Iterator[dict]:
    """The demo app with French prompts translated and MCP served, and problem files in its models folder."""
    work = tmp_path_factory.mktemp("served")
    models_dir = work / "models"
    models_dir.mkdir()
    write_problem_models(models_dir)
    write_single_file(demo_models["demo-sd3"].location, models_dir / "tiny-sd3.safetensors")
    shutil.copytree(demo_models["demo-sd3"].location, models_dir / "configs" / "sd3")
    with serving(work, cache_dir, "--auto-translate", "--mcp") as app:
        yield app


@pytest.fixture()
def demo_settings(cache_dir: Path, tmp_path: Path):
    from qpyt_gradio.settings import Settings

    return Settings(
        demo=True,
        cache_dir=cache_dir,
        models_dir=tmp_path / "models",
        outputs_dir=tmp_path / "outputs",
        loras_dir=tmp_path / "loras",
        styles_dir=tmp_path / "styles",
    )


@pytest.fixture()
def workspace(demo_settings, demo_models):
    """A demo workspace: the demo image models and the tiny helpers (built once per session), outputs in
    the test's folder."""
    from qpyt_gradio.workspace import Workspace

    return Workspace.from_settings(demo_settings)


@pytest.fixture()
def registry(workspace):
    """The workspace's registry, with the demo image models and the tiny helpers."""
    return workspace.registry
