"""Saved workflows in ``workflows/`` and the read-only presets in ``presets/``: one JSON file per name.

A name typed by a user is checked before it becomes a file name (letters, digits, spaces,
``-``, ``_`` and ``.``; no path, no reserved device name) and the file is then looked up in
its folder only. Saving writes a temporary file and renames it; an existing name is never
overwritten unless the caller says so.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.validation import file_stem
from qpyt_gradio.workflows.document import MAX_NAME_CHARS, read_document

TAKEN = "A workflow named {name!r} exists already: tick “Overwrite” to replace it, or choose another name."


class WorkflowExists(InvalidInput):
    """Saving would replace a workflow of the same name."""


def _link_new(temporary: Path, path: Path, taken: str) -> None:
    """``temporary`` under the name ``path``, which must not exist yet (checked and taken in one step)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise WorkflowExists(taken.format(name=path.stem)) from None


def check_name(name: Any) -> str:
    """``name`` stripped, when it can safely be a workflow's file name; :class:`InvalidInput` saying why not."""
    return file_stem(name, "workflow", MAX_NAME_CHARS)


@dataclass(frozen=True)
class Listed:
    name: str
    description: str


class WorkflowFolder:
    """The workflows of one folder; ``read_only`` for the presets shipped with the app."""

    def __init__(self, folder: Path, read_only: bool = False) -> None:
        self.folder = folder
        self.read_only = read_only

    def _path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    def listed(self) -> list[Listed]:
        """Every workflow of the folder with its one-line description, by name."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.json"), key=lambda item: item.stem.lower()):
            try:
                check_name(path.stem)
                document = read_document(path)
            except (InvalidInput, OSError, ValueError):
                continue
            description = document.get("description", "") if isinstance(document, dict) else ""
            found.append(Listed(path.stem, description if isinstance(description, str) else ""))
        return found

    def names(self) -> list[str]:
        return [item.name for item in self.listed()]

    def load(self, name: str) -> Any:
        """The parsed JSON of workflow ``name``."""
        path = self._path(name)
        if not path.is_file():
            raise InvalidInput(f"There is no workflow named {name.strip()!r}.")
        return read_document(path)

    def save(self, name: str, document: dict[str, Any], overwrite: bool = False, taken: str = TAKEN) -> Path:
        """Write ``document`` as ``name`` atomically; an existing one is replaced only with ``overwrite``
        (``taken`` is the message otherwise, the name filled in)."""
        self._refuse_if_read_only()
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({**document, "name": path.stem}, indent=2, ensure_ascii=False) + "\n"
        handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=".json", dir=self.folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            if overwrite:
                os.replace(temporary, path)
            else:
                _link_new(Path(temporary), path, taken)
        finally:
            Path(temporary).unlink(missing_ok=True)
        return path

    def rename(self, old: str, new: str) -> Path:
        """Give workflow ``old`` the name ``new`` (which must be free)."""
        self._refuse_if_read_only()
        document = self.load(old)
        target = self.save(new, document, taken="A workflow named {name!r} exists already: choose another name.")
        self._path(old).unlink()
        return target

    def delete(self, name: str) -> None:
        self._refuse_if_read_only()
        path = self._path(name)
        if not path.is_file():
            raise InvalidInput(f"There is no workflow named {name.strip()!r}.")
        path.unlink()

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise InvalidInput(
                "Presets are read-only: load one, then Save keeps a copy under your name in your workflows, where "
                "you can change it."
            )
