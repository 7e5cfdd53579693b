"""Hugging Face ZeroGPU support: heavy handlers run under ``spaces.GPU`` when it is installed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Handler = TypeVar("Handler", bound=Callable[..., object])
GPU_SECONDS = 120


def on_gpu(handler: Handler) -> Handler:
    """``spaces.GPU(handler)`` where the ``spaces`` package exists (HF Spaces), else ``handler`` itself."""
    try:
        import spaces
    except ImportError:
        return handler
    return spaces.GPU(duration=GPU_SECONDS)(handler)
