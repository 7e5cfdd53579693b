"""What models exist: well-known hub ids, the user's ``models/`` folder, and the demo models.

A :class:`ModelSpec` says where a model comes from and which engine runs it. Names given
by users are only ever matched against this list (or against the hub-id pattern), never
joined into a path. Nothing here downloads or loads weights, and looking a name up changes
nothing: adding a Hugging Face id that is not listed is the workspace's explicit step.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from qpyt_gradio.engines import Engine, Variant, engine
from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.models.detect import Detected, detect_checkpoint, detect_folder
from qpyt_gradio.models.gguf_file import GGUF_SUFFIX
from qpyt_gradio.models.safetensors_file import PICKLE_SUFFIXES

Source = Literal["hub", "folder", "file"]
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
CONFIGS_FOLDER = "configs"


@dataclass(frozen=True)
class Defaults:
    """The parameters a model starts with in the Generate brick."""

    steps: int
    guidance: float
    width: int
    height: int


@dataclass(frozen=True)
class ModelSpec:
    """One model a user can pick: where its files are and which engine runs it."""

    name: str
    source: Source
    location: str
    family: str
    variant: str
    weights_variant: str | None = None
    config_source: str | None = None
    demo: bool = False
    default_overrides: dict[str, float] = field(default_factory=dict)
    quant: str | None = None
    size: int | None = None

    @property
    def engine(self) -> Engine:
        return engine(self.family)

    @property
    def engine_variant(self) -> Variant:
        return self.engine.variant(self.variant)

    @property
    def defaults(self) -> Defaults:
        variant = self.engine_variant
        base = Defaults(variant.steps, variant.guidance, variant.size, variant.size)
        return replace(base, **self.default_overrides)

    @property
    def label(self) -> str:
        tag = "demo, draws noise" if self.demo else self.source
        if self.quant is not None:
            tag += f", GGUF {self.quant}, {size_text(self.size or 0)}"
        return f"{self.name}  ·  {self.engine_variant.label} ({tag})"


def size_text(size: int) -> str:
    """A file size as people read it: ``6.8 GB``, ``97.1 MB``."""
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"


class NotListed(ModelUnavailable):
    """A Hugging Face id that is not in the list: reading its files on the Hub can add it."""


def hub_spec(repo_id: str, family: str, weights_variant: str | None = None) -> ModelSpec:
    """A spec for a hub repository of ``family``; the variant is read from the name."""
    detected_variant = engine(family).variant_for(repo_id).name
    return ModelSpec(repo_id, "hub", repo_id, family, detected_variant, weights_variant=weights_variant)


DEFAULT_HUB_MODELS: tuple[ModelSpec, ...] = (
    hub_spec("stabilityai/stable-diffusion-xl-base-1.0", "sdxl", "fp16"),
    hub_spec("stabilityai/sdxl-turbo", "sdxl", "fp16"),
    hub_spec("black-forest-labs/FLUX.1-schnell", "flux"),
    hub_spec("black-forest-labs/FLUX.1-dev", "flux"),
    hub_spec("stabilityai/stable-diffusion-3.5-large", "sd3"),
    hub_spec("stabilityai/stable-diffusion-3.5-large-turbo", "sd3"),
    hub_spec("stabilityai/stable-diffusion-3.5-medium", "sd3"),
)


def spec_for_path(path: Path, configs_dir: Path | None = None) -> ModelSpec:
    """A spec for a diffusers folder or a single ``.safetensors`` / ``.gguf`` file (family read from the files)."""
    if path.is_dir():
        detected = detect_folder(path)
        return _local_spec(path, "folder", detected, None)
    detected: Detected = detect_checkpoint(path)
    config_folder = configs_dir / detected.family if configs_dir is not None else None
    config_source = str(config_folder) if config_folder is not None and config_folder.is_dir() else None
    return _local_spec(path, "file", detected, config_source)


def _local_spec(path: Path, source: Source, detected: Detected, config_source: str | None) -> ModelSpec:
    variant = engine(detected.family).variant_for(path.name, detected.structure).name
    return ModelSpec(
        path.name,
        source,
        str(path),
        detected.family,
        variant,
        config_source=config_source,
        quant=detected.quant,
        size=detected.size,
    )


@dataclass(frozen=True)
class Unusable:
    """A file in ``models/`` that cannot be loaded, kept so that picking it explains why."""

    name: str
    reason: str


def scan_models_dir(models_dir: Path) -> tuple[list[ModelSpec], list[Unusable]]:
    """Diffusers folders and checkpoints directly inside ``models_dir``."""
    specs: list[ModelSpec] = []
    unusable: list[Unusable] = []
    if not models_dir.is_dir():
        return specs, unusable
    configs_dir = models_dir / CONFIGS_FOLDER
    for path in sorted(models_dir.iterdir()):
        if path.name.startswith(".") or path == configs_dir:
            continue
        is_checkpoint = path.is_file() and path.suffix.lower() in PICKLE_SUFFIXES | {".safetensors", GGUF_SUFFIX}
        if not (is_checkpoint or (path / "model_index.json").is_file()):
            continue
        try:
            specs.append(spec_for_path(path, configs_dir))
        except ModelUnavailable as problem:
            unusable.append(Unusable(path.name, str(problem)))
    return specs, unusable


class Catalog:
    """The list of models on offer, refreshed from disk on demand. Thread-safe."""

    def __init__(
        self,
        models_dir: Path,
        fixed: Iterable[ModelSpec] = DEFAULT_HUB_MODELS,
    ) -> None:
        self._models_dir = models_dir
        self._fixed = list(fixed)
        self._preferred: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self._specs: dict[str, ModelSpec] = {}
        self._unusable: dict[str, Unusable] = {}
        self.refresh()

    def refresh(self) -> None:
        """Re-read ``models/``: new files appear, removed ones go."""
        local, unusable = scan_models_dir(self._models_dir)
        with self._lock:
            self._specs = {spec.name: spec for spec in [*self._fixed, *local]}
            self._unusable = {item.name: item for item in unusable}

    def add(self, spec: ModelSpec) -> None:
        """Offer one more model (demo models, or a spec made by code)."""
        with self._lock:
            self._fixed.append(spec)
            self._specs[spec.name] = spec

    def specs(self) -> list[ModelSpec]:
        with self._lock:
            return list(self._specs.values())

    def unusable(self) -> list[Unusable]:
        with self._lock:
            return list(self._unusable.values())

    def choices(self) -> list[tuple[str, str]]:
        """(label, name) pairs for a dropdown: demo models first, then local, then hub."""
        order = {"folder": 1, "file": 1, "hub": 2}
        ranked = sorted(self.specs(), key=lambda spec: (0 if spec.demo else order[spec.source], spec.name.lower()))
        return [(spec.label, spec.name) for spec in ranked]

    def default_name(self) -> str:
        """The model the page offers first: the preferred one (:meth:`prefer`) when listed, else the first."""
        names = [name for _label, name in self.choices()]
        return next((name for name in self._preferred if name in names), names[0])

    def prefer(self, names: Iterable[str]) -> None:
        """Offer the first of ``names`` that is listed before any other model."""
        self._preferred = tuple(names)

    def get(self, name: str) -> ModelSpec:
        """The spec for ``name``; unknown names get a message that says what to do (:class:`NotListed`
        for a Hugging Face id that is not in the list)."""
        name = (name or "").strip()
        with self._lock:
            spec = self._specs.get(name)
            unusable = self._unusable.get(name)
        if spec is not None:
            return spec
        if unusable is not None:
            raise ModelUnavailable(unusable.reason)
        if Path(name).suffix.lower() in PICKLE_SUFFIXES:
            raise ModelUnavailable(
                f"{name} is a pickle-based checkpoint; Qpyt-UI only loads .safetensors files "
                "placed in the models folder."
            )
        if HUB_ID.match(name):
            raise NotListed(
                f"{name} is not in the model list; its files on the Hugging Face Hub say which engine runs it."
            )
        raise ModelUnavailable(
            f"Unknown model {name!r}. Pick one from the list, put a diffusers folder, a .safetensors or a .gguf "
            f"file in {self._models_dir} and press Refresh, or give a Hugging Face id such as owner/model."
        )
