"""Predicting a job's peak memory and picking the fastest strategy that fits.

Everything here works from plain descriptions (:class:`ModelShape`, :class:`JobShape`,
:class:`Machine`), so a plan can be computed and tested for any device on a machine without
one; :mod:`qpyt_gradio.models.shapes` describes a loaded pipeline.

A job's peak is its weights on the device (all of them, the largest component, or a layer
group, depending on the strategy) plus its working memory: the larger of the denoiser's
activations and the VAE decode, which do not overlap in time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.memory import Strategy

VAE_ACTIVATIONS_PER_IMAGE = {"cpu": 5.0, "cuda": 6.4}
"""Full-resolution activations of ``block_out_channels[0]`` channels alive at the VAE decoder's peak, per image.

CUDA: fitted on an NVIDIA H200 (bench/gpu.py, torch.cuda.max_memory_allocated above the weights, bf16, the VAE
of SDXL / FLUX.1-dev / SD 3.5 Large): 2.4 GiB with 1 image and 4.0 GiB with 2 at 1024², so 1.6 GiB an image =
6.4 × (1024² × 128 channels × 2 bytes). CPU: peak RSS growth (float32, bench/planner.py's models of 96
channels, glibc's mmap threshold fixed): 5.0–5.6 an image at 256²–512², 1 and 2 images, every engine."""

VAE_ACTIVATIONS_PER_DECODE = {"cpu": 0.15, "cuda": 3.2}
"""The same unit once per decode whatever the batch: on the H200 the remaining 0.8 GiB at 1024² (the CUDA
allocator's rounding and convolution workspaces); on the CPU the few MiB a decode keeps besides."""

DENOISER_ACTIVATIONS = 16.0
"""Activations of (tokens × width) alive at the denoiser's peak, per sample of the batch.

Fitted on model-offload peaks at 1024², 1 image, on an NVIDIA H200 (bench/gpu.py): the peak
above the denoiser's own weights was 0.4–0.5 GiB for SDXL, FLUX.1-dev and SD 3.5 Large, i.e.
11–21 activations; the VAE decode dominates every job measured, so this term rarely decides."""

GROUP_PREFETCH = 2
"""Layer groups on the device at once with CUDA streams: the one running and the one prefetched."""

QUANTIZED_BITS = {"Q8_0": 8.5, "Q4_K": 4.5}
"""Bits a weight of the GGUF quant types the refusal advice names (Q4_K: 144 bytes per 256 weights)."""


@dataclass(frozen=True)
class VaeShape:
    """What the decoder's peak depends on: its widest full-resolution channels and its tile size."""

    full_resolution_channels: int
    tile_pixels: int
    scale: int = 8


@dataclass(frozen=True)
class ModelShape:
    """A model as the planner sees it: weights per component (bytes, in their dtype or quant type), the
    denoiser's name, width, text tokens and patch, the VAE, how many copies of the batch guidance runs,
    and what its denoiser weighs stored in FP8."""

    label: str
    components: Mapping[str, int]
    denoiser: str
    denoiser_width: int
    largest_layer_bytes: int
    vae: VaeShape
    patch: int = 1
    text_tokens: int = 0
    guidance_copies: int = 1
    fp8_denoiser_bytes: int = 0
    """The denoiser's bytes with its layers stored in FP8 (0: not offered, e.g. a quantized GGUF denoiser)."""

    @property
    def total_bytes(self) -> int:
        return sum(self.components.values())


@dataclass(frozen=True)
class JobShape:
    width: int
    height: int
    images: int = 1

    def describe(self) -> str:
        size = f"{self.width}²" if self.width == self.height else f"{self.width}×{self.height}"
        return f"{size}, {self.images} image{'s' if self.images != 1 else ''}"


@dataclass(frozen=True)
class Machine:
    """The device (``kind`` cuda / mps / cpu), its free memory and the free CPU RAM."""

    kind: str
    free_bytes: int
    ram_bytes: int

    @property
    def element_bytes(self) -> int:
        return 4 if self.kind == "cpu" else 2


@dataclass(frozen=True)
class Plan:
    """The chosen strategy (None: refused), its predicted peak on the device and why."""

    strategy: Strategy | None
    predicted_bytes: int
    reason: str
    vae_tiling: bool = False


def vae_decode_bytes(vae: VaeShape, job: JobShape, element_bytes: int, allocator: str, tiled: bool = False) -> int:
    """The decoder's peak: full-resolution activations of the decoded area (a tile when tiled), plus the
    decoded images themselves when tiled (they are assembled at full size)."""
    height, width = job.height, job.width
    assembled = 0
    if tiled and max(height, width) > vae.tile_pixels:
        height, width = min(height, vae.tile_pixels), min(width, vae.tile_pixels)
        assembled = 3 * job.width * job.height * job.images * element_bytes
    unit = height * width * vae.full_resolution_channels * element_bytes
    count = VAE_ACTIVATIONS_PER_IMAGE[allocator] * job.images + VAE_ACTIVATIONS_PER_DECODE[allocator]
    return int(unit * count) + assembled


def denoiser_bytes(model: ModelShape, job: JobShape, element_bytes: int) -> int:
    """The denoiser's activations: (image tokens + text tokens) × width × samples × a fitted count."""
    step = model.vae.scale * model.patch
    tokens = (job.height // step) * (job.width // step) + model.text_tokens
    samples = job.images * model.guidance_copies
    return int(tokens * model.denoiser_width * samples * element_bytes * DENOISER_ACTIVATIONS)


def working_bytes(model: ModelShape, job: JobShape, element_bytes: int, allocator: str, tiled: bool = False) -> int:
    """What a job needs besides the weights: the larger of the denoiser's and the VAE decode's peaks."""
    vae = vae_decode_bytes(model.vae, job, element_bytes, allocator, tiled)
    return max(denoiser_bytes(model, job, element_bytes), vae)


def predict(model: ModelShape, job: JobShape, strategy: Strategy, element_bytes: int, allocator: str) -> int:
    """Peak bytes on the device running ``job`` with ``strategy``."""
    tiled = strategy in STREAMING
    denoising = denoiser_bytes(model, job, element_bytes)
    decoding = vae_decode_bytes(model.vae, job, element_bytes, allocator, tiled)
    if strategy in (Strategy.GPU, Strategy.CPU):
        return model.total_bytes + max(denoising, decoding)
    if strategy in (Strategy.MODEL_OFFLOAD, Strategy.FP8_STORAGE):
        denoiser = model.components.get(model.denoiser, 0)
        if strategy is Strategy.FP8_STORAGE:
            denoiser = model.fp8_denoiser_bytes
        others = [size for name, size in model.components.items() if name not in (model.denoiser, "vae")]
        return max(denoiser + denoising, model.components.get("vae", 0) + decoding, *others)
    layers = model.largest_layer_bytes * (GROUP_PREFETCH if strategy is Strategy.GROUP_OFFLOAD else 1)
    return layers + max(denoising, decoding)


STREAMING = (Strategy.GROUP_OFFLOAD, Strategy.SEQUENTIAL_OFFLOAD)
"""Strategies that stream the weights layer by layer; the VAE decodes in tiles with them."""


def strategies(kind: str, model: ModelShape) -> tuple[Strategy, ...]:
    """What ``kind`` of device can run, fastest first."""
    if kind == "cuda":
        fp8 = (Strategy.FP8_STORAGE,) if model.fp8_denoiser_bytes else ()
        return (Strategy.GPU, Strategy.MODEL_OFFLOAD, *fp8, Strategy.GROUP_OFFLOAD, Strategy.SEQUENTIAL_OFFLOAD)
    if kind == "cpu":
        return (Strategy.CPU,)
    return (Strategy.GPU,)


def _gb(value: int) -> str:
    """``value`` bytes in GB with one decimal, or in MB below a tenth of a GB."""
    return f"{value / GIB:.1f} GB" if value >= GIB / 10 else f"{value / 1024**2:.0f} MB"


def _fits(model: ModelShape, job: JobShape, machine: Machine, strategy: Strategy) -> tuple[bool, int]:
    on_cpu = strategy is Strategy.CPU or machine.kind == "cpu"  # float32, whatever the device
    allocator = "cuda" if machine.kind == "cuda" and not on_cpu else "cpu"
    peak = predict(model, job, strategy, 4 if on_cpu else machine.element_bytes, allocator)
    if strategy is Strategy.CPU or machine.kind == "mps":
        return peak <= machine.ram_bytes, peak
    in_ram = model.total_bytes if strategy is not Strategy.GPU else 0
    return peak <= machine.free_bytes and in_ram <= machine.ram_bytes, peak


def _room(machine: Machine) -> str:
    if machine.kind == "cuda":
        return f"{_gb(machine.free_bytes)} free"
    return f"{_gb(machine.ram_bytes)} of RAM free"


def plan(model: ModelShape, job: JobShape, machine: Machine, requested: str = "auto") -> Plan:
    """The fastest strategy whose predicted peak fits ``machine`` (or the ``requested`` one, when the device
    can run it), or a refusal saying what would fit."""
    where = f"{model.label} at {job.describe()}"
    offered = strategies(machine.kind, model)
    if requested == Strategy.CPU.value or (requested not in ("auto", "") and Strategy(requested) in offered):
        strategy = Strategy(requested)
        fits, peak = _fits(model, job, machine, strategy)
        warning = "" if fits else " It may not fit: choose auto to let the app pick."
        reason = f"{where}: {_gb(peak)} predicted, {_room(machine)} → {strategy.value}, chosen in Settings.{warning}"
        return Plan(strategy, peak, reason, strategy in STREAMING)
    unavailable = ""
    if requested not in ("auto", ""):  # asked, but this device or model cannot run it
        unavailable = f" ({requested} needs a GPU)" if machine.kind != "cuda" else f" (no {requested} for this model)"
    peak = 0
    for strategy in offered:
        fits, peak = _fits(model, job, machine, strategy)
        if fits:
            reason = f"{where}: {_gb(peak)} predicted, {_room(machine)} → {strategy.value}{unavailable}."
            return Plan(strategy, peak, reason, strategy in STREAMING)
    advice = _advice(model, job, machine)
    return Plan(None, peak, f"{where}: {_gb(peak)} predicted, {_room(machine)} → does not fit. {advice}")


def _advice(model: ModelShape, job: JobShape, machine: Machine) -> str:
    """What would make a refused job fit: fewer images, a smaller size, a quantized file, more memory."""
    strategy = strategies(machine.kind, model)[-1]
    hints: list[str] = []
    fitting = [count for count in range(1, job.images) if _fits(model, _with(job, count), machine, strategy)[0]]
    if fitting:
        hints.append(f"{max(fitting)} image(s) at this size")
    side = _largest_side(model, job, machine, strategy)
    if side:
        hints.append(f"{side}² with {job.images} image(s)")
    if not hints:
        denoiser = model.components.get(model.denoiser, 0)
        sizes = ", ".join(
            f"{name} about {_gb(model.total_bytes - denoiser + int(denoiser * bits / 16))}"
            for name, bits in QUANTIZED_BITS.items()
        )
        hints.append(f"a quantized GGUF file of the denoiser ({sizes} in all) or more memory")
    return "Would fit: " + "; ".join(hints) + "."


def _largest_side(model: ModelShape, job: JobShape, machine: Machine, strategy: Strategy) -> int:
    side = (min(job.width, job.height) // 64) * 64
    while side >= 256:
        candidate = JobShape(side, side, job.images)
        if (side, side) != (job.width, job.height) and _fits(model, candidate, machine, strategy)[0]:
            return side
        side -= 64
    return 0


def _with(job: JobShape, images: int) -> JobShape:
    return JobShape(job.width, job.height, images)
