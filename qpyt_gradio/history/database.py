"""The history's SQLite file: output records, the folder times seen last, and a trigram full-text index
of the searchable text (SQLite's FTS5, where SQLite has it) whose rows share the records' ids.

It is a cache of the outputs folder: a damaged file or one of another version is rebuilt, and a
folder that cannot be written gets an index in memory. WAL mode with ``synchronous = NORMAL``: a
commit does not wait for the disk, and writing creates no file beside the index.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import fields
from pathlib import Path
from typing import Any

from qpyt_gradio.history.records import OutputRecord

SCHEMA_VERSION = 1
COLUMNS = [item.name for item in fields(OutputRecord)]
_SELECTED = ", ".join(COLUMNS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS folders (name TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, folder TEXT NOT NULL, day TEXT NOT NULL,
    made_ns INTEGER NOT NULL, size INTEGER NOT NULL, prompt TEXT, negative_prompt TEXT, model TEXT, seed TEXT,
    brick TEXT, width INTEGER, height INTEGER, parameters TEXT, searchable TEXT
);
CREATE INDEX IF NOT EXISTS outputs_by_time ON outputs (made_ns DESC, path DESC);
CREATE INDEX IF NOT EXISTS outputs_by_day ON outputs (day, made_ns DESC);
CREATE INDEX IF NOT EXISTS outputs_by_folder ON outputs (folder);
PRAGMA user_version = {SCHEMA_VERSION};
"""
_TEXT_INDEX = "CREATE VIRTUAL TABLE IF NOT EXISTS outputs_text USING fts5(searchable, tokenize='trigram')"


class IndexDatabase:
    """One connection to the index at ``path``; the caller serialises calls (one lock per index)."""

    def __init__(self, path: Path) -> None:
        self.connection = _connect(path)
        found = "SELECT 1 FROM sqlite_master WHERE name = 'outputs_text'"
        self.text_index = self.connection.execute(found).fetchone() is not None

    def folder_times(self) -> dict[str, int]:
        return dict(self.connection.execute("SELECT name, mtime_ns FROM folders").fetchall())

    def set_folder_time(self, name: str, mtime_ns: int) -> None:
        self.connection.execute("INSERT OR REPLACE INTO folders VALUES (?, ?)", [name, mtime_ns])

    def drop_folder(self, name: str) -> None:
        self.connection.execute("DELETE FROM folders WHERE name = ?", [name])
        self.forget(list(self.known(name)))

    def known(self, folder: str) -> dict[str, tuple[int, int]]:
        """The outputs of ``folder`` by path, with the (time, size) they were read at."""
        rows = self.connection.execute("SELECT path, made_ns, size FROM outputs WHERE folder = ?", [folder])
        return {path: (made_ns, size) for path, made_ns, size in rows}

    def store(self, folder: str, record: OutputRecord) -> None:
        values = [getattr(record, name) for name in COLUMNS]
        values[COLUMNS.index("parameters")] = json.dumps(record.parameters, ensure_ascii=False, default=str)
        self.forget([record.path])
        cursor = self.connection.execute(
            f"INSERT INTO outputs ({_SELECTED}, folder, searchable) VALUES ({', '.join('?' * (len(COLUMNS) + 2))})",
            [*values, folder, record.searchable()],
        )
        if self.text_index:
            self.connection.execute(
                "INSERT INTO outputs_text (rowid, searchable) VALUES (?, ?)", [cursor.lastrowid, record.searchable()]
            )

    def forget(self, paths: list[str]) -> None:
        for path in paths:
            row = self.connection.execute("SELECT id FROM outputs WHERE path = ?", [path]).fetchone()
            if row is None:
                continue
            self.connection.execute("DELETE FROM outputs WHERE id = ?", row)
            if self.text_index:
                self.connection.execute("DELETE FROM outputs_text WHERE rowid = ?", row)

    def count(self, where: str, arguments: list[Any]) -> int:
        return self.connection.execute(f"SELECT COUNT(*) FROM outputs WHERE {where}", arguments).fetchone()[0]

    def newest(self, where: str, arguments: list[Any], limit: int, offset: int) -> list[OutputRecord]:
        """Records matching ``where``, newest first, from ``offset`` on."""
        rows = self.connection.execute(
            f"SELECT {_SELECTED} FROM outputs WHERE {where} ORDER BY made_ns DESC, path DESC LIMIT ? OFFSET ?",
            [*arguments, limit, offset],
        )
        return [_record(row) for row in rows]

    def record(self, path: str) -> OutputRecord | None:
        row = self.connection.execute(f"SELECT {_SELECTED} FROM outputs WHERE path = ?", [path]).fetchone()
        return None if row is None else _record(row)

    def days(self) -> list[tuple[str, int]]:
        rows = self.connection.execute("SELECT day, COUNT(*) FROM outputs GROUP BY day ORDER BY day DESC")
        return [(day, count) for day, count in rows]

    def commit(self) -> bool:
        """Commit what was written; whether anything was."""
        if not self.connection.in_transaction:
            return False
        self.connection.commit()
        return True


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False)
        try:
            if connection.execute("PRAGMA user_version").fetchone()[0] not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError("an index of another version")
            _create(connection)
            return connection
        except sqlite3.DatabaseError:
            connection.close()
            for stale in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
                stale.unlink(missing_ok=True)
            connection = sqlite3.connect(path, check_same_thread=False)
    except (OSError, sqlite3.OperationalError):
        connection = sqlite3.connect(":memory:", check_same_thread=False)
    _create(connection)
    return connection


def _create(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.executescript(_SCHEMA)
    with contextlib.suppress(sqlite3.OperationalError):  # an SQLite built without FTS5
        connection.execute(_TEXT_INDEX)
    connection.commit()


def _record(row: tuple) -> OutputRecord:
    values = dict(zip(COLUMNS, row, strict=True))
    try:
        values["parameters"] = json.loads(values["parameters"] or "{}")
    except ValueError:
        values["parameters"] = {}
    return OutputRecord(**values)
