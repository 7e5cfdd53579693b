"""What every brick receives: settings, the model catalog, the registry and the job board.

The registry (and with it torch and diffusers) is created on first use, so the page is
served before the heavy libraries are imported.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qpyt_gradio.demo.models import demo_specs, with_demo_models
from qpyt_gradio.models.catalog import Catalog
from qpyt_gradio.models.hub import hub_family
from qpyt_gradio.settings import Settings

if TYPE_CHECKING:
    from qpyt_gradio.models.registry import Registry


class JobBoard:
    """Cancel flags of running jobs, by browser session, so Cancel stops only that session's jobs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flags: dict[str, set[threading.Event]] = defaultdict(set)

    @contextlib.contextmanager
    def running(self, session: str) -> Iterator[threading.Event]:
        """A cancel flag for one job of ``session``, listed while the block runs."""
        flag = threading.Event()
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


@dataclass
class AppContext:
    settings: Settings
    catalog: Catalog
    jobs: JobBoard = field(default_factory=JobBoard)
    live_preview: bool = True
    auto_translate: bool = False
    _registry: Registry | None = None
    _registry_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        catalog = Catalog(settings.models_dir, hub_family=hub_family)
        if settings.demo:
            for spec in demo_specs(settings.demo_models_dir):
                catalog.add(spec)
        return cls(settings, catalog, live_preview=settings.live_preview, auto_translate=settings.auto_translate)

    @property
    def registry(self) -> Registry:
        """The model registry, created (with torch and diffusers imported) on first use."""
        with self._registry_lock:
            if self._registry is None:
                from qpyt_gradio.helpers.models import register_helpers
                from qpyt_gradio.models.loading import load_pipeline
                from qpyt_gradio.models.registry import Registry

                registry = Registry(self.catalog, self.settings.memory, loader=with_demo_models(load_pipeline))
                register_helpers(registry, self.settings)
                self._registry = registry
            return self._registry

    def registry_if_created(self) -> Registry | None:
        """The registry if something has used it already (the memory panel must not create it)."""
        return self._registry
