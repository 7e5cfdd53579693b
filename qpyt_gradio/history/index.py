"""The index of the outputs folder: an SQLite cache of every output's record, so that listing and
searching ten thousand images reads none of them.

The index lives in the outputs folder's ``.history/`` (beside the thumbnails), in WAL mode, so
writing it changes no folder that is watched. A refresh compares each folder's modification time
with the one seen last: only a folder that changed is listed again, and only its new or changed
files are opened. A folder changed in the last seconds is listed again next time too, so a file
written in the same clock tick is not missed. Words are found through a trigram full-text index
(SQLite's FTS5) where SQLite has one. The index is a cache: when it cannot be read it is rebuilt.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.history.database import IndexDatabase
from qpyt_gradio.history.records import CACHE_FOLDER, OutputRecord, listed, read_record
from qpyt_gradio.history.search import conditions
from qpyt_gradio.history.thumbnails import forget_thumbnail

DATABASE_NAME = "index.sqlite3"
SETTLE_NS = 2_000_000_000
PER_PAGE = 20


@dataclass(frozen=True)
class HistoryPage:
    """One page of a search: its records, newest first, and where it sits among all matches."""

    records: tuple[OutputRecord, ...]
    total: int
    page: int
    pages: int


class HistoryIndex:
    """The outputs of ``outputs_dir`` (and of its folders one level down), indexed and searchable."""

    def __init__(self, outputs_dir: Path) -> None:
        self.outputs_dir = outputs_dir
        self._lock = threading.Lock()
        self._database: IndexDatabase | None = None
        self._days: list[tuple[str, int]] | None = None

    def refresh(self) -> int:
        """Bring the index up to date with the folder; returns how many files were opened."""
        with self._lock:
            return self._refresh()

    def search(self, query: str = "", day: str = "", page: int = 1, per_page: int = PER_PAGE) -> HistoryPage:
        """Page ``page`` (from 1, clamped to the last) of the outputs matching ``query`` on ``day``."""
        with self._lock:
            self._refresh()
            database = self._opened()
            where, arguments = conditions(query, day, database.text_index)
            total = database.count(where, arguments)
            pages = max(1, math.ceil(total / per_page))
            page = min(max(1, page), pages)
            records = database.newest(where, arguments, per_page, (page - 1) * per_page)
        return HistoryPage(tuple(records), total, page, pages)

    def days(self) -> list[tuple[str, int]]:
        """Every day with outputs, newest first, with its count (as of the last refresh)."""
        with self._lock:
            if self._days is None:
                self._days = self._opened().days()
            return list(self._days)

    def record(self, path: str) -> OutputRecord:
        """The record of the listed output ``path``; :class:`InvalidInput` when there is none."""
        with self._lock:
            record = self._opened().record(path)
        if record is None:
            raise InvalidInput(f"{str(path)[:120]} is not an output of this app (or it was deleted): search again.")
        return record

    def file(self, path: str) -> Path:
        """The file of the listed output ``path``, checked to lie inside the outputs folder."""
        return self._located(path)[1]

    def delete(self, path: str) -> OutputRecord:
        """Delete the listed output ``path`` (its file, thumbnail and entry); returns its record."""
        record, target = self._located(path)
        target.unlink()
        forget_thumbnail(self.outputs_dir, record)
        with self._lock:
            database = self._opened()
            database.forget([record.path])
            database.commit()
            self._days = None
        return record

    def _located(self, path: str) -> tuple[OutputRecord, Path]:
        record = self.record(path)
        folder = self.outputs_dir.resolve()
        target = (folder / record.path).resolve()
        if not target.is_relative_to(folder) or (folder / record.path).is_symlink():
            raise InvalidInput(f"{record.name} is not inside the outputs folder.")
        if not target.is_file():
            raise InvalidInput(f"{record.name} is no longer in the outputs folder: search again.")
        return record, target

    def _refresh(self) -> int:
        if not self.outputs_dir.is_dir():
            return 0
        database = self._opened()
        seen = database.folder_times()
        present: set[str] = set()
        opened = 0
        for name, folder in self._folders(seen):
            try:
                mtime_ns = folder.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            present.add(name)
            if seen.get(name) == mtime_ns:
                continue
            opened += self._sync_folder(database, name, folder)
            settled = time.time_ns() - mtime_ns > SETTLE_NS
            if settled or name not in seen:
                database.set_folder_time(name, mtime_ns if settled else -1)
        for gone in set(seen) - present:
            database.drop_folder(gone)
        if database.commit():
            self._days = None
        return opened

    def _folders(self, seen: dict[str, int]) -> list[tuple[str, Path]]:
        """The outputs folder itself ("") and its visible folders one level down: those ``seen`` last time
        while the outputs folder itself is unchanged (a folder added or removed changes its time)."""
        if seen.get("") == self.outputs_dir.stat().st_mtime_ns:
            return [(name, self.outputs_dir / name) for name in seen]
        found = [("", self.outputs_dir)]
        with os.scandir(self.outputs_dir) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                    found.append((entry.name, Path(entry.path)))
        return found

    def _sync_folder(self, database: IndexDatabase, name: str, folder: Path) -> int:
        """Read the new and changed outputs of ``folder``, forget those gone; returns how many were read."""
        known = database.known(name)
        current: set[str] = set()
        opened = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                if not listed(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                relative = f"{name}/{entry.name}" if name else entry.name
                current.add(relative)
                stat = entry.stat(follow_symlinks=False)
                if known.get(relative) != (stat.st_mtime_ns, stat.st_size):
                    database.store(name, read_record(relative, Path(entry.path), stat))
                    opened += 1
        database.forget(list(set(known) - current))
        return opened

    def _opened(self) -> IndexDatabase:
        if self._database is None:
            self._database = IndexDatabase(self.outputs_dir / CACHE_FOLDER / DATABASE_NAME)
        return self._database
