"""The registry: the only code that decides which models are in memory and where.

* At most one image pipeline is resident. Asking for another model releases the previous
  one completely before the new one loads, so peak memory is that of the larger, not the sum;
  with a RAM cache (:mod:`qpyt_gradio.models.ram_cache`) the released one may instead wait in CPU
  RAM, within its budget, as its base model, and switching back to it reads no file.
* Asking twice for the same model loads it once; img2img / inpaint variants are derived
  with ``from_pipe`` and share its weights.
* Each job is planned (:mod:`qpyt_gradio.models.planner`): its peak memory is predicted from
  the model, the size and the number of images, and the fastest strategy that fits places the
  pipeline (placed again when a job needs another); a job that cannot fit is refused before
  the model is read when its files tell, else before it runs.
* Helpers (captioning, translation, prompt enhancement, background removal...) are loaded
  lazily and released before any image pipeline runs; memory is freed at each shift.
* LoRAs are adapters of the resident pipeline (see :mod:`qpyt_gradio.models.adapters`): loaded
  once per file, re-weighted without reading it again, dropped with their pipeline.
* One lock serialises jobs, so two requests never fight over the GPU.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from qpyt_gradio.engines import Task
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.loras.selection import AdapterUse
from qpyt_gradio.models.adapters import Adapters
from qpyt_gradio.models.catalog import Catalog, ModelSpec
from qpyt_gradio.models.loading import derive_pipeline, load_pipeline
from qpyt_gradio.models.memory import (
    DeviceInfo,
    Strategy,
    apply_strategy,
    dtype_for,
    free_memory,
    helper_device,
    module_bytes,
    module_device,
    module_precision,
    probe_device,
)
from qpyt_gradio.models.planner import JobShape, Machine, ModelShape, Plan, plan
from qpyt_gradio.models.ram_cache import RamCache, available_ram
from qpyt_gradio.models.shapes import describe, estimate, expected_bytes

PipelineLoader = Callable[[ModelSpec, torch.dtype], Any]
CACHEABLE = (Strategy.CPU, Strategy.GPU, Strategy.MODEL_OFFLOAD)
"""Strategies whose pipelines come back whole to the CPU once their hooks are off; the layer-by-layer offloads
(group, sequential) and FP8 storage (lossy) are released completely."""
DEFAULT_JOB = JobShape(1024, 1024, 1)


@dataclass(frozen=True)
class HelperSpec:
    """A small model used around generation; ``load`` builds it on the CPU. A loaded helper is a torch
    module, has ``components`` (like a pipeline), or reports ``resident_bytes()`` and ``placement()``."""

    kind: str
    label: str
    load: Callable[[], Any]
    prefers_accelerator: bool = False


@dataclass(frozen=True)
class ResidentModel:
    """One line of the memory panel."""

    name: str
    role: str
    placement: str
    bytes: int
    precision: str = ""


@dataclass
class _Resident:
    spec: ModelSpec
    shape: ModelShape
    decision: Plan
    pipelines: dict[Task, Any]
    adapters: Adapters
    active_task: Task = "txt2img"
    attachments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageJob:
    """What a brick gets for one generation: the pipeline and its cached attachments."""

    spec: ModelSpec
    pipeline: Any
    decision: Plan
    _attachments: dict[str, Any]

    def attachment(self, key: str, build: Callable[[], Any]) -> Any:
        """A value derived from the loaded model (e.g. a preview decoder), built once per load."""
        if key not in self._attachments:
            self._attachments[key] = build()
        return self._attachments[key]


class Registry:
    """Owns every model of the app. Thread-safe; one job at a time."""

    def __init__(
        self,
        catalog: Catalog,
        requested_strategy: str = "auto",
        device: DeviceInfo | None = None,
        loader: PipelineLoader = load_pipeline,
        lora_fusing: str = "fused",
        ram_cache: RamCache | None = None,
        ram: Callable[[], int] = available_ram,
    ) -> None:
        self.catalog = catalog
        self.requested_strategy = requested_strategy
        self._device = device
        self._loader = loader
        self.lora_fusing = lora_fusing
        self.ram_cache = ram_cache
        self._ram = ram
        self.last_plan = ""
        self._lock = threading.RLock()
        self._resident: _Resident | None = None
        self._helper_specs: dict[str, HelperSpec] = {}
        self._helpers: dict[str, Any] = {}
        self._live_pipelines: weakref.WeakSet[Any] = weakref.WeakSet()
        self._last_shift: str | None = None
        self.load_counts: Counter[str] = Counter()
        self.cache_hits: Counter[str] = Counter()

    @property
    def device(self) -> DeviceInfo:
        if self._device is None:
            self._device = probe_device()
        return self._device

    # ------------------------------------------------------------------ image pipelines

    @contextlib.contextmanager
    def image_job(
        self,
        model: ModelSpec | str,
        task: Task = "txt2img",
        vae_tiling: bool = False,
        loras: Sequence[AdapterUse] = (),
        job: JobShape = DEFAULT_JOB,
    ) -> Iterator[ImageJob]:
        """Hold the lock and yield the ready pipeline of ``model`` (a spec, or a name in the catalog) for ``task``.

        Helpers are released (and memory freed) first; the model is loaded only if it is not
        already the resident one, and placed as the plan for ``job`` (its size and number of
        images) says. ``vae_tiling`` decodes in tiles for this job (large images); ``loras`` are
        the adapters active for this job (any others are removed).
        """
        spec = model if isinstance(model, ModelSpec) else self.catalog.get(model)
        with self._lock:
            self._shift("image")
            self.release_helpers()
            resident = self._ensure_resident(spec, job)
            self._apply_loras(resident, loras)
            pipeline = self._pipeline_for(resident, task)
            tiled = vae_tiling and not resident.decision.vae_tiling and getattr(pipeline, "vae", None) is not None
            if tiled:
                pipeline.vae.enable_tiling()
            try:
                yield ImageJob(spec, pipeline, resident.decision, resident.attachments)
            finally:
                if tiled:
                    pipeline.vae.disable_tiling()
                if resident.decision.strategy is Strategy.MODEL_OFFLOAD:
                    pipeline.maybe_free_model_hooks()

    def _ensure_resident(self, spec: ModelSpec, job: JobShape) -> _Resident:
        resident = self._resident
        if resident is not None and resident.spec == spec:
            chosen = self._plan(resident.shape, job)
            if chosen.strategy is None:
                raise InvalidInput(chosen.reason)  # the loaded model stays as it is for the next job
            if chosen.strategy is resident.decision.strategy:
                resident.decision = chosen
                return resident
            del resident
            pipeline = self._take_back()  # placed again below, for this job
        else:
            self._refuse_early(spec, job)
            pipeline = self.ram_cache.take(spec) if self.ram_cache is not None else None
            self._retire_resident()  # after the take: the model wanted back leaves the cache before another enters
            if pipeline is not None:
                self.cache_hits[spec.name] += 1
        if pipeline is None:
            pipeline = self._loaded(spec)
        shape = describe(pipeline, spec.engine, spec.name)
        chosen = self._plan(shape, job)
        if chosen.strategy is None:
            del pipeline
            free_memory()
            raise InvalidInput(chosen.reason)
        try:
            apply_strategy(pipeline, chosen, self.device)
        except Exception:
            del pipeline
            free_memory()
            raise
        fusable = chosen.strategy in (Strategy.GPU, Strategy.CPU, Strategy.MODEL_OFFLOAD)
        adapters = Adapters(self.lora_fusing, fusable)
        self._resident = _Resident(spec, shape, chosen, {"txt2img": pipeline}, adapters)
        return self._resident

    def _plan(self, shape: ModelShape, job: JobShape) -> Plan:
        chosen = plan(shape, job, self._machine(), self.requested_strategy)
        self.last_plan = chosen.reason
        return chosen

    def _refuse_early(self, spec: ModelSpec, job: JobShape) -> None:
        """Refuse, before reading its files, a model whose weights alone cannot fit."""
        dtype = dtype_for(self.device, self.requested_strategy)
        weights = estimate(spec, torch.finfo(dtype).bits // 8)
        if weights is None:
            return
        early = plan(weights, job, self._machine())
        if early.strategy is None:
            self.last_plan = early.reason
            raise InvalidInput(early.reason)

    def _machine(self) -> Machine:
        """The device as a plan sees it: what this process holds there (the image pipeline, the RAM cache) counts
        as free, since the plan decides where it goes."""
        if self.device.kind == "cuda":
            self._device = probe_device()
        held_on_device = torch.cuda.memory_reserved() if self.device.kind == "cuda" else 0
        resident = self._resident
        on_cpu = resident is not None and resident.decision.strategy is not Strategy.GPU
        in_ram = resident.shape.total_bytes if on_cpu else 0
        cached = self.ram_cache.used_bytes if self.ram_cache is not None else 0
        return Machine(self.device.kind, self.device.free_bytes + held_on_device, self._ram() + in_ram + cached)

    def _loaded(self, spec: ModelSpec) -> Any:
        """``spec``'s pipeline read from disk, once the RAM cache made room for it."""
        dtype = dtype_for(self.device, self.requested_strategy)
        if self.ram_cache is not None and self.ram_cache.make_room(expected_bytes(spec, torch.finfo(dtype).bits // 8)):
            free_memory()
        pipeline = self._loader(spec, dtype)
        self.load_counts[spec.name] += 1
        self._live_pipelines.add(pipeline)
        return pipeline

    def _retire_resident(self) -> None:
        """Release the resident pipeline for another model: into the RAM cache as its base model when the
        cache takes it, else completely."""
        resident = self._resident
        if resident is None or self.ram_cache is None or resident.decision.strategy not in CACHEABLE:
            self.release_image_pipeline()
            return
        spec, size = resident.spec, resident.shape.total_bytes
        if not self.ram_cache.fits(size, in_ram=resident.decision.strategy is Strategy.CPU):
            del resident
            self.release_image_pipeline()
            return
        del resident
        self.ram_cache.keep(spec, self._take_back(), size)

    def _take_back(self) -> Any | None:
        """The resident pipeline, no longer resident, as its base model on the CPU (no LoRA, no hook) when its
        strategy allows; else it is released completely and None comes back."""
        resident = self._resident
        if resident is None or resident.decision.strategy not in CACHEABLE:
            self.release_image_pipeline()
            return None
        self._resident = None
        base = resident.pipelines["txt2img"]
        resident.adapters.apply(base, [], resident.spec.name)
        _dismantle(resident)
        base.to("cpu")
        moved = resident.decision.strategy is not Strategy.CPU
        del resident
        if moved:  # the weights left the GPU: its memory goes back (on the CPU they stayed)
            free_memory()
        return base

    def _apply_loras(self, resident: _Resident, loras: Sequence[AdapterUse]) -> None:
        """Attach ``loras`` to the resident pipeline; a failure leaves it placed as its strategy says
        (diffusers takes offload hooks off while it loads a LoRA and puts them back only on success)."""
        base = resident.pipelines["txt2img"]
        try:
            resident.adapters.apply(base, loras, resident.spec.name)
        except Exception:
            if resident.decision.strategy not in (Strategy.GPU, Strategy.CPU):
                apply_strategy(base, resident.decision, self.device)
                resident.active_task = "txt2img"
            raise

    def _pipeline_for(self, resident: _Resident, task: Task) -> Any:
        if task not in resident.pipelines:
            variant = derive_pipeline(resident.pipelines["txt2img"], resident.spec, task)
            self._live_pipelines.add(variant)
            resident.pipelines[task] = variant
        pipeline = resident.pipelines[task]
        if task != resident.active_task and resident.decision.strategy is Strategy.MODEL_OFFLOAD:
            apply_strategy(pipeline, resident.decision, self.device)
        resident.active_task = task
        return pipeline

    def release_image_pipeline(self) -> None:
        """Drop the resident image pipeline and every variant, hooks included; free memory."""
        with self._lock:
            resident, self._resident = self._resident, None
            if resident is None:
                return
            _dismantle(resident)
            del resident
            free_memory()

    def set_requested_strategy(self, requested: str) -> None:
        """Change the memory strategy; the resident pipeline is released if it was placed differently."""
        with self._lock:
            if requested != self.requested_strategy:
                self.requested_strategy = requested
                self.release_image_pipeline()

    def image_plan(self) -> Plan | None:
        """How the resident image pipeline is placed, with its predicted peak (None when none is loaded)."""
        resident = self._resident
        return None if resident is None else resident.decision

    def adapter_file_reads(self) -> int:
        """LoRA files read into the resident pipeline since it was loaded."""
        resident = self._resident
        return 0 if resident is None else resident.adapters.file_reads

    def live_pipeline_count(self) -> int:
        """Image pipelines (variants included) still alive in this process, after a garbage collection."""
        free_memory()
        return len(self._live_pipelines)

    # ------------------------------------------------------------------ helpers

    def register_helper(self, helper: HelperSpec) -> None:
        """Offer ``helper``; a loaded helper of the same kind (another model) is released."""
        with self._lock:
            self._helper_specs[helper.kind] = helper
            if self._helpers.pop(helper.kind, None) is not None:
                free_memory()

    @contextlib.contextmanager
    def helper(self, kind: str) -> Iterator[Any]:
        """Hold the lock and yield helper ``kind``, loading it on first use."""
        try:
            spec = self._helper_specs[kind]
        except KeyError:
            raise KeyError(f"no helper {kind!r} is registered") from None
        with self._lock:
            self._shift("helper")
            if kind not in self._helpers:
                model = spec.load()
                if spec.prefers_accelerator:
                    if self.device.kind == "cuda":
                        self._device = probe_device()
                    target = helper_device(self.device, sum(module_bytes(module) for module in _modules(model)))
                    if target is not None:
                        model = model.to(target)
                self._helpers[kind] = model
                self.load_counts[f"helper:{kind}"] += 1
            yield self._helpers[kind]

    def release_helpers(self) -> None:
        """Drop every resident helper and free memory."""
        with self._lock:
            if self._helpers:
                self._helpers.clear()
                free_memory()

    def _shift(self, kind: str) -> None:
        if self._last_shift not in (None, kind):
            free_memory()
        self._last_shift = kind

    # ------------------------------------------------------------------ reporting

    def unload_all(self) -> None:
        """Release everything: image pipeline, helpers and the RAM cache."""
        with self._lock:
            self.release_helpers()
            self.release_image_pipeline()
            if self.ram_cache is not None and self.ram_cache.clear():
                free_memory()

    def report(self) -> list[ResidentModel]:
        """What is loaded, where, and how many bytes (a snapshot; does not wait for running jobs)."""
        rows: list[ResidentModel] = []
        resident = self._resident
        if resident is not None:
            base = resident.pipelines.get("txt2img")
            if base is not None:
                strategy = resident.decision.strategy.value
                devices = sorted({module_device(module) for module in _modules(base)})
                placement = strategy if devices == [strategy] else f"{strategy} · {', '.join(devices)}"
                size = resident.shape.total_bytes
                rows.append(ResidentModel(resident.spec.name, "image pipeline", placement, size, precisions(base)))
                rows += [ResidentModel(name, "LoRA", state, size) for name, state, size in resident.adapters.report()]
        if self.ram_cache is not None:
            rows += [ResidentModel(item.name, "RAM cache", "cpu", item.bytes) for item in self.ram_cache.report()]
        for kind, model in list(self._helpers.items()):
            label = self._helper_specs[kind].label
            if hasattr(model, "resident_bytes"):
                rows.append(ResidentModel(label, "helper", model.placement(), model.resident_bytes()))
                continue
            modules = [model] if isinstance(model, torch.nn.Module) else _modules(model)
            placement = ", ".join(sorted({module_device(module) for module in modules})) or "cpu"
            rows.append(ResidentModel(label, "helper", placement, sum(module_bytes(module) for module in modules)))
        return rows


def _dismantle(resident: _Resident) -> None:
    """Remove offload hooks and drop every reference the resident entry holds.

    A function of its own, so that no loop variable outlives it in the caller's frame and
    keeps a pipeline alive through the garbage collection that follows.
    """
    for pipeline in resident.pipelines.values():
        if resident.decision.strategy is not Strategy.CPU:
            pipeline.remove_all_hooks()
    resident.pipelines.clear()
    resident.attachments.clear()


def precisions(pipeline: Any) -> str:
    """How the pipeline's components store their weights, alike ones together: "transformer GGUF Q8_0;
    text_encoder, text_encoder_2, vae bfloat16", or one word when all agree."""
    groups: dict[str, list[str]] = {}
    for name, component in (getattr(pipeline, "components", {}) or {}).items():
        if isinstance(component, torch.nn.Module):
            groups.setdefault(module_precision(component), []).append(name)
    if len(groups) == 1:
        return next(iter(groups))
    return "; ".join(f"{', '.join(names)} {precision}" for precision, names in groups.items())


def _modules(pipeline: Any) -> list[torch.nn.Module]:
    components = getattr(pipeline, "components", {}) or {}
    return [component for component in components.values() if isinstance(component, torch.nn.Module)]
