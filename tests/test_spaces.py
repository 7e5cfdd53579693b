"""Hugging Face Spaces: the heavy handler goes through ``spaces.GPU``, which is a no-op off ZeroGPU."""

import sys

import spaces  # noqa: F401  (the real package must be importable for the first test)

from qpyt_gradio.spaces_gpu import on_gpu


def handler():
    yield "image"


def test_off_zero_gpu_the_real_decorator_leaves_the_handler_as_it_is():
    assert on_gpu(handler) is handler


def test_without_the_spaces_package_the_handler_is_unchanged(monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)
    assert on_gpu(handler) is handler
