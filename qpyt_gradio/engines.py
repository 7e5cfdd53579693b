"""Engines as data: what each image family needs, in one table.

Everything that differs between SDXL, FLUX.1 and SD 3.5 — pipeline classes per task,
defaults, capabilities and quirks — lives here, so the rest of the code asks the table
instead of branching on the family name. This module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Task = Literal["txt2img", "img2img", "inpaint"]
PromptStyle = Literal["tags", "sentences"]
LatentLayout = Literal["spatial", "packed_2x2"]

GIB = 1024**3


@dataclass(frozen=True)
class Variant:
    """A flavour of an engine with its own defaults (SDXL-Turbo, FLUX.1 schnell, SD 3.5 Turbo...)."""

    name: str
    label: str
    steps: int
    guidance: float
    size: int
    base_repo: str
    name_hints: tuple[str, ...] = ()
    structure: str | None = None
    call_kwargs: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    scheduler_overrides: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Engine:
    """One image family and everything the app needs to know to drive it.

    ``denoiser`` is (diffusers class, pipeline folder) of the network that single-file
    checkpoints often hold alone; ``base_repo`` of a variant provides the other components.
    """

    family: str
    label: str
    pipelines: Mapping[Task, str]
    denoiser: tuple[str, str]
    folder_classes: tuple[str, ...]
    single_file_markers: tuple[str, ...]
    variants: tuple[Variant, ...]
    size_multiple: int
    negative_prompt: bool
    latent_layout: LatentLayout
    prompt_style: PromptStyle
    guidance_note: str = ""

    @property
    def default_variant(self) -> Variant:
        return self.variants[-1]

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(f"{self.label} has no variant {name!r}")

    def variant_for(self, model_name: str, structure: str | None = None) -> Variant:
        """The variant named in ``model_name`` (e.g. "turbo"), else the one the files show, else the default."""
        lowered = model_name.lower()
        for variant in self.variants:
            if any(hint in lowered for hint in variant.name_hints):
                return variant
        for variant in self.variants:
            if structure is not None and variant.structure == structure:
                return variant
        return self.default_variant


def _frozen(**items: object) -> Mapping[str, object]:
    return MappingProxyType(dict(items))


SDXL = Engine(
    family="sdxl",
    label="SDXL",
    pipelines=_frozen(
        txt2img="StableDiffusionXLPipeline",
        img2img="StableDiffusionXLImg2ImgPipeline",
        inpaint="StableDiffusionXLInpaintPipeline",
    ),
    denoiser=("UNet2DConditionModel", "unet"),
    folder_classes=(
        "StableDiffusionXLPipeline",
        "StableDiffusionXLImg2ImgPipeline",
        "StableDiffusionXLInpaintPipeline",
    ),
    single_file_markers=("model.diffusion_model.label_emb.0.0.weight", "label_emb.0.0.weight"),
    variants=(
        Variant(
            "turbo",
            "SDXL-Turbo",
            steps=2,
            guidance=0.0,
            size=512,
            base_repo="stabilityai/sdxl-turbo",
            name_hints=("turbo",),
        ),
        Variant(
            "lightning",
            "SDXL-Lightning / Hyper",
            steps=4,
            guidance=0.0,
            size=1024,
            base_repo="stabilityai/stable-diffusion-xl-base-1.0",
            name_hints=("lightning", "hyper"),
            scheduler_overrides=_frozen(timestep_spacing="trailing"),
        ),
        Variant(
            "base", "SDXL", steps=30, guidance=6.0, size=1024, base_repo="stabilityai/stable-diffusion-xl-base-1.0"
        ),
    ),
    size_multiple=8,
    negative_prompt=True,
    latent_layout="spatial",
    prompt_style="tags",
    guidance_note="Classifier-free guidance; at 1 or below the negative prompt has no effect.",
)

FLUX = Engine(
    family="flux",
    label="FLUX.1",
    pipelines=_frozen(txt2img="FluxPipeline", img2img="FluxImg2ImgPipeline", inpaint="FluxInpaintPipeline"),
    denoiser=("FluxTransformer2DModel", "transformer"),
    folder_classes=("FluxPipeline", "FluxImg2ImgPipeline", "FluxInpaintPipeline"),
    single_file_markers=(
        "double_blocks.0.img_attn.norm.key_norm.scale",
        "model.diffusion_model.double_blocks.0.img_attn.norm.key_norm.scale",
    ),
    variants=(
        Variant(
            "schnell",
            "FLUX.1 schnell",
            steps=4,
            guidance=0.0,
            size=1024,
            base_repo="black-forest-labs/FLUX.1-schnell",
            name_hints=("schnell",),
            structure="no_guidance_embeds",
            call_kwargs=_frozen(max_sequence_length=256),
        ),
        Variant(
            "dev",
            "FLUX.1 dev",
            steps=28,
            guidance=3.5,
            size=1024,
            base_repo="black-forest-labs/FLUX.1-dev",
            name_hints=("dev",),
            structure="guidance_embeds",
            call_kwargs=_frozen(max_sequence_length=512),
        ),
    ),
    size_multiple=16,
    negative_prompt=False,
    latent_layout="packed_2x2",
    prompt_style="sentences",
    guidance_note="Distilled guidance (dev); schnell ignores it. FLUX.1 takes no negative prompt.",
)

SD3 = Engine(
    family="sd3",
    label="SD 3.5",
    pipelines=_frozen(
        txt2img="StableDiffusion3Pipeline",
        img2img="StableDiffusion3Img2ImgPipeline",
        inpaint="StableDiffusion3InpaintPipeline",
    ),
    denoiser=("SD3Transformer2DModel", "transformer"),
    folder_classes=("StableDiffusion3Pipeline", "StableDiffusion3Img2ImgPipeline", "StableDiffusion3InpaintPipeline"),
    single_file_markers=(
        "joint_blocks.0.context_block.adaLN_modulation.1.bias",
        "model.diffusion_model.joint_blocks.0.context_block.adaLN_modulation.1.bias",
    ),
    variants=(
        Variant(
            "turbo",
            "SD 3.5 Large Turbo",
            steps=4,
            guidance=0.0,
            size=1024,
            base_repo="stabilityai/stable-diffusion-3.5-large-turbo",
            name_hints=("turbo",),
        ),
        Variant(
            "medium",
            "SD 3.5 Medium",
            steps=40,
            guidance=4.5,
            size=1024,
            base_repo="stabilityai/stable-diffusion-3.5-medium",
            name_hints=("medium",),
            structure="medium",
        ),
        Variant(
            "large",
            "SD 3.5 Large",
            steps=28,
            guidance=3.5,
            size=1024,
            base_repo="stabilityai/stable-diffusion-3.5-large",
            name_hints=("large",),
            structure="large",
        ),
    ),
    size_multiple=16,
    negative_prompt=True,
    latent_layout="spatial",
    prompt_style="sentences",
    guidance_note="Classifier-free guidance; Turbo runs at 0, where the negative prompt has no effect.",
)

ENGINES: Mapping[str, Engine] = MappingProxyType({engine.family: engine for engine in (SDXL, FLUX, SD3)})

MIN_SIDE = 64
MAX_SIDE = 2048
MAX_STEPS = 150
MAX_GUIDANCE = 30.0
MAX_IMAGES = 8


def engine(family: str) -> Engine:
    """The engine for ``family``; a KeyError names the known ones."""
    try:
        return ENGINES[family]
    except KeyError:
        raise KeyError(f"unknown engine family {family!r}; known: {', '.join(ENGINES)}") from None


def family_of_pipeline_class(class_name: str) -> str | None:
    """The family whose diffusers folders declare ``class_name`` in model_index.json."""
    for candidate in ENGINES.values():
        if class_name in candidate.folder_classes:
            return candidate.family
    return None


def family_of_checkpoint_keys(keys: set[str]) -> str | None:
    """The family whose single-file markers appear among a checkpoint's tensor names."""
    for candidate in ENGINES.values():
        if any(marker in keys for marker in candidate.single_file_markers):
            return candidate.family
    return None
