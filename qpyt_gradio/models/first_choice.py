"""Which model the page offers first, from the machine's GPU, and what a hub model's first download costs.

The GPU is read with ``nvidia-smi`` (no torch import at start): no NVIDIA GPU means the CPU, where
only a few-step model is bearable; a card under 20 GB runs SDXL well; a larger one FLUX.1 schnell.
Download sizes are those of the files a hub model's first generation fetches (the fp16 variant for
SDXL), as published on its repository page; a gated repository needs its licence accepted there
and a Hugging Face token.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

LARGE_GPU_BYTES = 20 * 1024**3
PREFERRED = {
    "cpu": ("demo-sdxl", "stabilityai/sdxl-turbo"),
    "small gpu": ("demo-sdxl", "stabilityai/stable-diffusion-xl-base-1.0"),
    "large gpu": ("demo-flux", "black-forest-labs/FLUX.1-schnell"),
}


@dataclass(frozen=True)
class Download:
    """A hub model's first download: about ``gigabytes``, and whether its repository is gated."""

    gigabytes: float
    gated: bool


DOWNLOADS = {
    "stabilityai/stable-diffusion-xl-base-1.0": Download(6.9, False),
    "stabilityai/sdxl-turbo": Download(6.9, False),
    "black-forest-labs/FLUX.1-schnell": Download(33.7, False),
    "black-forest-labs/FLUX.1-dev": Download(33.7, True),
    "stabilityai/stable-diffusion-3.5-large": Download(27.6, True),
    "stabilityai/stable-diffusion-3.5-large-turbo": Download(27.6, True),
    "stabilityai/stable-diffusion-3.5-medium": Download(16.3, True),
}


@functools.cache
def gpu_memory_bytes() -> int | None:
    """The memory of the first NVIDIA GPU, or None without one (or without ``nvidia-smi``); asked once."""
    command = shutil.which("nvidia-smi")
    if command is None:
        return None
    try:
        answer = subprocess.run(
            [command, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return int(answer.stdout.split()[0]) * 1024**2
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def machine_kind(gpu_bytes: int | None) -> str:
    if gpu_bytes is None:
        return "cpu"
    return "large gpu" if gpu_bytes >= LARGE_GPU_BYTES else "small gpu"


def download_note(repo_id: str) -> str:
    """What the first generation with ``repo_id`` downloads, or "" for a model that is not listed here."""
    download = DOWNLOADS.get(repo_id)
    if download is None:
        return ""
    note = f"The first generation downloads about {download.gigabytes:g} GB into the Hugging Face cache."
    if download.gated:
        note += (
            f" The repository is gated: accept its licence on huggingface.co/{repo_id} and log in "
            "(`hf auth login` or `HF_TOKEN`) first."
        )
    return note
