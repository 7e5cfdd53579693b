"""Load an image pipeline from a hub id, a diffusers folder or a single ``.safetensors`` / ``.gguf`` file.

Only safetensors weights are accepted, remote code is never run, and loading failures come
back as :class:`ModelUnavailable` with a sentence that tells the user what to do.
"""

from __future__ import annotations

import logging
from pathlib import Path

import diffusers
import torch
from safetensors import SafetensorError

from qpyt_gradio.engines import Task
from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.models.bitsandbytes_option import quantization_config
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.detect import detect_checkpoint
from qpyt_gradio.models.gguf_file import unet_checkpoint
from qpyt_gradio.models.hub import hub_errors

log = logging.getLogger(__name__)


def pipeline_class(spec: ModelSpec, task: Task) -> type[diffusers.DiffusionPipeline]:
    """The diffusers class that runs ``task`` for the spec's engine."""
    return getattr(diffusers, spec.engine.pipelines[task])


def load_pipeline(spec: ModelSpec, dtype: torch.dtype, quantize: str = "none") -> diffusers.DiffusionPipeline:
    """Load the txt2img pipeline of ``spec`` on the CPU in ``dtype``; the registry places it afterwards.
    ``quantize`` ("nf4", "int8") loads a hub model's or a folder's denoiser and T5 encoder with bitsandbytes."""
    cls = pipeline_class(spec, "txt2img")
    if spec.source != "hub" and not Path(spec.location).exists():
        raise ModelUnavailable(f"{spec.name} is no longer in the models folder: put it back or press Rescan.")
    quantized = {"quantization_config": config} if (config := quantization_config(spec, quantize, dtype)) else {}
    try:
        if spec.source == "hub":
            with hub_errors(spec.location):
                pipeline = cls.from_pretrained(
                    spec.location, dtype=dtype, use_safetensors=True, variant=spec.weights_variant, **quantized
                )
        elif spec.source == "folder":
            pipeline = cls.from_pretrained(
                spec.location, dtype=dtype, use_safetensors=True, local_files_only=True, **quantized
            )
        else:
            pipeline = _load_single_file(cls, spec, dtype)
    except ModelUnavailable:
        raise
    except (OSError, ValueError, RuntimeError, SafetensorError) as error:
        log.exception("loading %s failed", spec.name)
        raise ModelUnavailable(f"{spec.name} could not be loaded: {error}") from None
    overrides = dict(spec.engine_variant.scheduler_overrides)
    if overrides:
        pipeline.scheduler = type(pipeline.scheduler).from_config(pipeline.scheduler.config, **overrides)
    quiet_progress(pipeline)
    return pipeline


def quiet_progress(pipeline: diffusers.DiffusionPipeline) -> None:
    """Sampling progress goes to the page (Gradio tracks the bar), not to the console."""
    pipeline.set_progress_bar_config(disable=True, desc="Sampling", unit="steps")


def _load_single_file(
    cls: type[diffusers.DiffusionPipeline], spec: ModelSpec, dtype: torch.dtype
) -> diffusers.DiffusionPipeline:
    """A whole-pipeline checkpoint loads as one; a denoiser-only one (most FLUX files, every GGUF)
    borrows the other components from the local configs folder or the variant's base repository."""
    path = Path(spec.location)
    detected = detect_checkpoint(path)
    base = spec.config_source or spec.engine_variant.base_repo
    with hub_errors(base):
        if not detected.denoiser_only:
            return cls.from_single_file(spec.location, dtype=dtype, config=spec.config_source)
        denoiser = load_denoiser(path, spec.engine.denoiser, base, dtype, quantized=detected.quant is not None)
        return cls.from_pretrained(base, dtype=dtype, use_safetensors=True, **{spec.engine.denoiser[1]: denoiser})


def load_denoiser(
    path: Path, denoiser: tuple[str, str], base: str, dtype: torch.dtype, quantized: bool
) -> torch.nn.Module:
    """The denoiser (``(class name, subfolder)``) held by a single file, its config from ``base``; a
    ``quantized`` (GGUF) one keeps its quantized weights and computes in ``dtype``."""
    class_name, folder = denoiser
    quantization = diffusers.GGUFQuantizationConfig(compute_dtype=dtype) if quantized else None
    source = unet_checkpoint(path) if quantized and folder == "unet" else str(path)
    return getattr(diffusers, class_name).from_single_file(
        source, config=base, subfolder=folder, dtype=dtype, quantization_config=quantization
    )


def derive_pipeline(base: diffusers.DiffusionPipeline, spec: ModelSpec, task: Task) -> diffusers.DiffusionPipeline:
    """The ``task`` variant of a loaded pipeline, sharing its weights (``from_pipe``)."""
    variant = pipeline_class(spec, task).from_pipe(base, dtype=base.dtype)
    quiet_progress(variant)
    return variant
