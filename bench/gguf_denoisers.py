"""GGUF denoisers against unquantized ones: image error, denoiser load time and weight memory.

For the bench-sized FLUX, SD3 and SDXL models, the denoiser is written as GGUF (Q8_0, Q4_0, Q4_K)
the way the tests write theirs, then loaded through the app's path (catalog spec, ``load_pipeline``
with the components from a configs folder) computing in fp32. Printed per quant type: the mean
absolute error of the output image against the fp32 model's (0-255 scale), the denoiser's load
time and weight bytes ÷ those of the bf16 denoiser, and how many of the file's 2-D weights are
quantized. Q4_K quantizes only rows that are multiples of 256 values: at a width that is a multiple
of 8 (the default), the attention and MLP layers are.

    python bench/gguf_denoisers.py [--width 8] [--steps 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import ROOT, bench_model, median

sys.path.insert(0, str(ROOT / "tests"))

import diffusers
import numpy as np
import torch
from gguf import GGUFReader
from support.gguf_files import write_flux_gguf, write_sd3_gguf, write_sdxl_gguf

from qpyt_gradio.models.catalog import ModelSpec, spec_for_path
from qpyt_gradio.models.loading import load_denoiser, load_pipeline

WRITERS = {"flux": write_flux_gguf, "sd3": write_sd3_gguf, "sdxl": write_sdxl_gguf}
QUANTS = ("Q8_0", "Q4_0", "Q4_K")


def output(spec: ModelSpec, dtype: torch.dtype, steps: int) -> np.ndarray:
    """The image ``spec`` draws for a fixed prompt and seed, as 0-255 floats."""
    pipeline = load_pipeline(spec, dtype)
    generator = torch.Generator().manual_seed(0)
    image = pipeline("a tower", width=64, height=64, num_inference_steps=steps, generator=generator, output_type="np")
    return image.images[0].astype(np.float32) * 255


def weight_bytes(model: torch.nn.Module) -> int:
    """Bytes held by a model's parameters and buffers (quantized blocks count as stored)."""
    return sum(tensor.nbytes for tensor in [*model.parameters(), *model.buffers()])


def timed_load(load: Callable[[], torch.nn.Module]) -> tuple[float, torch.nn.Module]:
    """Median seconds of three loads, and the last model loaded."""
    seconds, model = [], None
    for _ in range(3):
        start = time.perf_counter()
        model = load()
        seconds.append(time.perf_counter() - start)
    return median(seconds), model


def bench_family(family: str, width: int, steps: int, models_dir: Path) -> None:
    """Print bf16 figures and those of each quant type for the bench model of ``family``."""
    reference = bench_model(family, width)
    folder = Path(reference.location)
    (models_dir / "configs").mkdir(parents=True, exist_ok=True)
    (models_dir / "configs" / family).symlink_to(folder)
    class_name, subfolder = reference.engine.denoiser
    denoiser_class = getattr(diffusers, class_name)
    reference_image = output(reference, torch.float32, steps)
    bf16_seconds, bf16_model = timed_load(
        lambda: denoiser_class.from_pretrained(folder, subfolder=subfolder, dtype=torch.bfloat16)
    )
    bf16_bytes = weight_bytes(bf16_model)
    bf16_error = np.abs(output(reference, torch.bfloat16, steps) - reference_image).mean()
    print(f"{family} w{width}: bf16 {subfolder} {bf16_bytes / 1e6:.2f} MB, loads in {bf16_seconds * 1000:.0f} ms")
    print(f"  bf16  image error vs fp32 {bf16_error:6.3f} / 255")
    for quant in QUANTS:
        path = WRITERS[family](folder, models_dir / f"{family}-{quant}.gguf", quant)
        spec = spec_for_path(path, models_dir / "configs")
        error = np.abs(output(spec, torch.float32, steps) - reference_image).mean()
        seconds, model = timed_load(
            lambda path=path: load_denoiser(
                path, reference.engine.denoiser, str(folder), torch.bfloat16, quantized=True
            )
        )
        kinds = [tensor.tensor_type.name for tensor in GGUFReader(path).tensors if len(tensor.shape) == 2]
        print(
            f"  {quant}  image error vs fp32 {error:6.3f} / 255, load time ÷ bf16 {seconds / bf16_seconds:.2f}, "
            f"weight memory ÷ bf16 {weight_bytes(model) / bf16_bytes:.2f} (file {path.stat().st_size / 1e6:.2f} MB, "
            f"{kinds.count(quant)}/{len(kinds)} 2-D weights {quant})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qpyt-gguf-") as work:
        for family in WRITERS:
            bench_family(family, arguments.width, arguments.steps, Path(work) / family)


if __name__ == "__main__":
    main()
