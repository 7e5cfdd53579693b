"""Released image pipelines kept in CPU RAM, so that switching back to one reads no file.

A pipeline enters the cache as its base model (no LoRA, no offload hook, on the CPU) and only
when it fits the byte budget, the least recently used ones leaving first. The cache is the
first thing dropped under pressure: before a model is read from disk, cached pipelines leave
until the machine's available RAM holds the model about to load.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from qpyt_gradio.engines import GIB
from qpyt_gradio.models.catalog import ModelSpec

RESERVE_BYTES = GIB
"""RAM left free for everything else when the cache decides what it may keep."""


def available_ram() -> int:
    return psutil.virtual_memory().available


@dataclass(frozen=True)
class CachedModel:
    """One line of the memory panel for a cached pipeline."""

    name: str
    bytes: int


class RamCache:
    """At most ``budget_bytes`` of released pipelines, by model, least recently used first out."""

    def __init__(self, budget_bytes: int, available: Callable[[], int] = available_ram) -> None:
        self.budget_bytes = budget_bytes
        self._available = available
        self._entries: OrderedDict[str, tuple[ModelSpec, Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def used_bytes(self) -> int:
        with self._lock:
            return self._used()

    def fits(self, size: int, in_ram: bool) -> bool:
        """Whether a pipeline of ``size`` bytes may enter: it fits the budget alone and, when it is not in RAM
        yet (it is on the GPU), the available RAM holds it and a reserve."""
        return 0 < size <= self.budget_bytes and (in_ram or self._available() >= size + RESERVE_BYTES)

    def keep(self, spec: ModelSpec, pipeline: Any, size: int) -> None:
        """Keep ``pipeline`` (on the CPU, as its base model, checked with :meth:`fits`) for ``spec``; older
        entries leave to make room."""
        with self._lock:
            self._entries.pop(spec.name, None)
            while self._entries and self._used() + size > self.budget_bytes:
                self._entries.popitem(last=False)
            self._entries[spec.name] = (spec, pipeline, size)

    def take(self, spec: ModelSpec) -> Any | None:
        """The cached pipeline of ``spec``, which leaves the cache (None when it is not there)."""
        with self._lock:
            entry = self._entries.pop(spec.name, None)
        return entry[1] if entry is not None and entry[0] == spec else None

    def make_room(self, needed_bytes: int | None) -> int:
        """Drop cached pipelines, oldest first, until the available RAM holds ``needed_bytes`` and a reserve
        (all of them when the need is unknown); returns how many were dropped."""
        dropped = 0
        with self._lock:
            while self._entries and (needed_bytes is None or self._available() < needed_bytes + RESERVE_BYTES):
                self._entries.popitem(last=False)
                dropped += 1
        return dropped

    def clear(self) -> int:
        """Drop every cached pipeline; returns how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count

    def report(self) -> list[CachedModel]:
        with self._lock:
            return [CachedModel(name, size) for name, (_spec, _pipeline, size) in reversed(self._entries.items())]

    def _used(self) -> int:
        return sum(size for _spec, _pipeline, size in self._entries.values())
