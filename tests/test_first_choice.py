"""The model offered first follows the machine's GPU; a hub model's first download says its size and whether
its repository is gated."""

from __future__ import annotations

import os

import pytest

from qpyt_gradio.demo.models import demo_specs
from qpyt_gradio.models.catalog import Catalog
from qpyt_gradio.models.first_choice import PREFERRED, download_note, gpu_memory_bytes, machine_kind

GIB = 1024**3


@pytest.mark.parametrize(
    ("gpu", "kind", "without_demo", "with_demo"),
    [
        (None, "cpu", "stabilityai/sdxl-turbo", "demo-sdxl"),
        (8 * GIB, "small gpu", "stabilityai/stable-diffusion-xl-base-1.0", "demo-sdxl"),
        (24 * GIB, "large gpu", "black-forest-labs/FLUX.1-schnell", "demo-flux"),
    ],
)
def test_the_first_model_follows_the_gpu(tmp_path, gpu, kind, without_demo, with_demo):
    assert machine_kind(gpu) == kind
    catalog = Catalog(tmp_path / "models")
    catalog.prefer(PREFERRED[kind])
    assert catalog.default_name() == without_demo, "not FLUX.1-dev, the first by name (gated, 34 GB)"
    for spec in demo_specs(tmp_path / "demo"):
        catalog.add(spec)
    assert catalog.default_name() == with_demo


def test_the_gpu_is_read_with_nvidia_smi_when_there_is_one(tmp_path, monkeypatch, request):
    monkeypatch.setenv("PATH", str(tmp_path))
    gpu_memory_bytes.cache_clear()
    request.addfinalizer(gpu_memory_bytes.cache_clear)
    assert gpu_memory_bytes() is None
    tool = tmp_path / "nvidia-smi"
    tool.write_text("#!/bin/sh\necho 24576\n")  # what --query-gpu=memory.total --format=csv,noheader,nounits prints
    os.chmod(tool, 0o755)
    assert gpu_memory_bytes() is None, "asked once per process"
    gpu_memory_bytes.cache_clear()
    assert gpu_memory_bytes() == 24 * GIB


def test_a_hub_model_says_what_its_first_download_costs():
    assert download_note("black-forest-labs/FLUX.1-schnell") == (
        "The first generation downloads about 33.7 GB into the Hugging Face cache."
    )
    gated = download_note("black-forest-labs/FLUX.1-dev")
    assert (
        "about 33.7 GB" in gated and "gated: accept its licence on huggingface.co/black-forest-labs/FLUX.1-dev" in gated
    )
    assert download_note("someone/unknown-model") == ""


def test_the_page_s_engine_note_names_the_download_until_the_model_is_cached(tmp_path):
    from qpyt_gradio.ui.tabs.generate import _engine_note

    catalog = Catalog(tmp_path / "models")
    assert "downloads about 6.9 GB" in _engine_note(catalog.get("stabilityai/sdxl-turbo"))
