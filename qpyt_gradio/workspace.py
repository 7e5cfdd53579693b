"""What lives as long as the app: settings, the model catalog, the registry, the job board, the folders.

The registry (and with it torch and diffusers) is created on first use, so the page is
served before the heavy libraries are imported. Nothing here belongs to one user: their
choices travel in each :class:`~qpyt_gradio.bricks.contract.Job`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qpyt_gradio.bricks.contract import Choices
from qpyt_gradio.demo.models import demo_specs, with_demo_models
from qpyt_gradio.lane import FairLane
from qpyt_gradio.models.catalog import Catalog, ModelSpec, NotListed, hub_spec
from qpyt_gradio.models.first_choice import PREFERRED, gpu_memory_bytes, machine_kind
from qpyt_gradio.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from qpyt_gradio.history.index import HistoryIndex
    from qpyt_gradio.loras.library import LoraLibrary
    from qpyt_gradio.models.registry import Registry
    from qpyt_gradio.prompts.styles import StyleBook


class JobFlag(threading.Event):
    """A job's cancel flag: set by Cancel, or by the job's time limit (then ``expired``)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: float | None = None
        self.expired = False
        self.set_at: float | None = None

    def set(self) -> None:
        """Set the flag, noting when it was first set (``time.monotonic``)."""
        if self.set_at is None:
            self.set_at = time.monotonic()
        super().set()

    @contextlib.contextmanager
    def time_limit(self, seconds: float | None) -> Iterator[None]:
        """Set the flag if the block still runs after ``seconds`` (None: no limit)."""
        if seconds is None:
            yield
            return
        self.seconds = seconds
        timer = threading.Timer(seconds, self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def __reduce__(self) -> tuple[type[JobFlag], tuple[()]]:
        """Pickled (into a ZeroGPU process) as a new, unset flag: Cancel reaches that process by closing
        the job's generator, not through this flag."""
        return JobFlag, ()

    def _expire(self) -> None:
        self.expired = True
        self.set()

    def explain(self, message: str) -> str:
        """``message`` about the stop, with the time limit named when that is what stopped the job."""
        if not self.expired:
            return message
        return (
            f"Stopped after {self.seconds:g} s, the longest a job may run here (--max-job-seconds). {message} "
            "Ask for less work: fewer steps, a smaller size or fewer images."
        )


class JobBoard:
    """Cancel flags of running jobs, by browser session, so Cancel stops only that session's jobs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flags: dict[str, set[JobFlag]] = defaultdict(set)

    @contextlib.contextmanager
    def running(self, session: str) -> Iterator[JobFlag]:
        """A cancel flag for one job of ``session`` (waiting or running), listed while the block runs."""
        flag = JobFlag()
        with self._lock:
            self._flags[session].add(flag)
        try:
            yield flag
        finally:
            with self._lock:
                self._flags[session].discard(flag)
                if not self._flags[session]:
                    del self._flags[session]

    def cancel(self, session: str) -> int:
        """Flag every running job of ``session``; returns how many there were."""
        with self._lock:
            flags = list(self._flags.get(session, ()))
        for flag in flags:
            flag.set()
        return len(flags)


_OPEN: weakref.WeakValueDictionary[int, Workspace] = weakref.WeakValueDictionary()


def opened_workspace(key: int) -> Workspace:
    """The workspace of this process whose key is ``key``."""
    return _OPEN[key]


@dataclass(eq=False)
class Workspace:
    """The app's lasting state; ``outputs_dir`` is where bricks save (dated subfolders unless
    ``dated_outputs`` is off, as for a headless run into a folder of the user's)."""

    settings: Settings
    catalog: Catalog
    outputs_dir: Path
    dated_outputs: bool = True
    jobs: JobBoard = field(default_factory=JobBoard)
    lane: FairLane = field(default_factory=FairLane)
    _registry: Registry | None = None
    _registry_lock: threading.Lock = field(default_factory=threading.Lock)
    _loras: LoraLibrary | None = None
    _styles: StyleBook | None = None
    _history: HistoryIndex | None = None

    def __post_init__(self) -> None:
        _OPEN[id(self)] = self

    def __reduce__(self) -> tuple[Callable[[int], Workspace], tuple[int]]:
        """Pickled (into a ZeroGPU process, forked from this one) as its key: it is the same workspace there."""
        return opened_workspace, (id(self),)

    @classmethod
    def from_settings(cls, settings: Settings, outputs_dir: Path | None = None) -> Workspace:
        """The workspace for ``settings``; ``outputs_dir`` replaces the dated outputs folder."""
        catalog = Catalog(settings.models_dir)
        if settings.demo:
            for spec in demo_specs(settings.demo_models_dir):
                catalog.add(spec)
        catalog.prefer(PREFERRED[machine_kind(gpu_memory_bytes())])
        if outputs_dir is None:
            return cls(settings, catalog, settings.outputs_dir)
        return cls(settings, catalog, outputs_dir, dated_outputs=False)

    @classmethod
    def around(cls, registry: Registry, settings: Settings, outputs_dir: Path) -> Workspace:
        """A workspace on an existing registry and its catalog, saving into ``outputs_dir`` (benchmarks)."""
        return cls(settings, registry.catalog, outputs_dir, dated_outputs=False, _registry=registry)

    @property
    def limits(self) -> dict[str, float]:
        """The limits that request ranges may name."""
        return {"max_side": self.settings.max_side}

    @property
    def max_side(self) -> int:
        return self.settings.max_side

    def default_choices(self) -> Choices:
        """The choices of a user who changed nothing: those the settings start the page with."""
        return Choices(live_preview=self.settings.live_preview, auto_translate=self.settings.auto_translate)

    def output_folder(self) -> Path:
        """The folder a new output goes to."""
        if not self.dated_outputs:
            return self.outputs_dir
        return self.outputs_dir / datetime.now().strftime("%Y-%m-%d")

    def model(self, name: str) -> ModelSpec:
        """The model called ``name``; an empty name is the first of the list.

        A Hugging Face id that is not listed yet is read on the Hub (its ``model_index.json``)
        and added to the list: the one place where naming a model can reach the network.
        """
        name = (name or "").strip() or self.catalog.default_name()
        try:
            return self.catalog.get(name)
        except NotListed:
            from qpyt_gradio.models.hub import hub_family

            spec = hub_spec(name, hub_family(name))
            self.catalog.add(spec)
            return spec

    @property
    def registry(self) -> Registry:
        """The model registry, created (with torch and diffusers imported) on first use."""
        with self._registry_lock:
            if self._registry is None:
                from qpyt_gradio.helpers.models import register_helpers
                from qpyt_gradio.models.bitsandbytes_option import unavailable_reason
                from qpyt_gradio.models.loading import load_pipeline
                from qpyt_gradio.models.ram_cache import RamCache, available_ram
                from qpyt_gradio.models.registry import Registry

                budget = self.settings.ram_cache_bytes(available_ram())
                quantize = self.settings.quantize
                if quantize != "none" and (why := unavailable_reason()) is not None:
                    log.warning("--quantize %s is not used: %s", quantize, why)
                    quantize = "none"
                registry = Registry(
                    self.catalog,
                    self.settings.memory,
                    loader=with_demo_models(functools.partial(load_pipeline, quantize=quantize)),
                    lora_fusing=self.settings.lora_fusing,
                    ram_cache=RamCache(budget) if budget > 0 else None,
                )
                register_helpers(registry, self.settings)
                self._registry = registry
            return self._registry

    def registry_if_created(self) -> Registry | None:
        """The registry if something has used it already (the memory panel must not create it)."""
        return self._registry

    @property
    def loras(self) -> LoraLibrary:
        """The LoRA folder (the demo LoRAs are built into theirs first, in demo mode)."""
        with self._registry_lock:
            if self._loras is None:
                from qpyt_gradio.loras.library import LoraLibrary

                if self.settings.demo:
                    from qpyt_gradio.demo.models import ensure_demo_loras

                    ensure_demo_loras(self.settings.lora_folders[-1])
                self._loras = LoraLibrary(self.settings.lora_folders)
            return self._loras

    @property
    def history(self) -> HistoryIndex:
        """The index of the outputs folder (opened on first use)."""
        with self._registry_lock:
            if self._history is None:
                from qpyt_gradio.history.index import HistoryIndex

                self._history = HistoryIndex(self.outputs_dir)
            return self._history

    @property
    def styles(self) -> StyleBook:
        """The styles, shipped then the user's (read once; :meth:`reload_styles` reads them again)."""
        if self._styles is None:
            return self.reload_styles()
        return self._styles

    def reload_styles(self) -> StyleBook:
        from qpyt_gradio.prompts.styles import load_styles

        self._styles = load_styles([self.settings.shipped_styles_dir, self.settings.styles_dir])
        return self._styles
