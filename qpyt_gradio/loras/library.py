"""The LoRA folder: what it holds, read at start and on Rescan, and the only code that renames or deletes.

Only ``.safetensors`` files are LoRAs; pickle files (``.ckpt``, ``.pt``...) are listed as
refused, never opened. Each file is probed from its header alone (family, format, rank,
trigger words); a same-name ``.png/.jpg/.webp`` beside it is its preview. Names given by
users are looked up among the listed files, never joined into a path, except a new name for
Rename, which is checked first.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qpyt_gradio.engines import ENGINES
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.loras.probe import LoraInfo, probe
from qpyt_gradio.models.safetensors_file import PICKLE_SUFFIXES
from qpyt_gradio.validation import file_stem

LORA_SUFFIX = ".safetensors"
PREVIEW_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_FILE_NAME = 100


@dataclass(frozen=True)
class FileHashes:
    """SHA-256 of the whole file, and AUTOMATIC1111's short hash (SHA-256 of what follows the header,
    its first 12 digits), which ``Lora hashes:`` in image metadata carries."""

    sha256: str
    a1111: str


@dataclass(frozen=True)
class LoraFile:
    """One LoRA of the folder: its file, what its header says, its preview, or why it is refused."""

    name: str
    path: Path
    size: int
    modified_ns: int
    info: LoraInfo | None = None
    problem: str = ""
    preview: Path | None = None

    @property
    def usable(self) -> bool:
        return self.info is not None and self.info.family is not None

    @property
    def family_label(self) -> str:
        if self.info is None:
            return "—"
        if self.info.family is None:
            return self.info.base_hint or "unknown"
        return family_label(self.info.family)

    @property
    def triggers(self) -> tuple[str, ...]:
        return self.info.triggers if self.info else ()

    def summary(self) -> dict[str, Any]:
        """What the API's ``/loras`` says about this file."""
        info = self.info
        return {
            "name": self.name,
            "family": info.family if info else None,
            "family_label": self.family_label,
            "format": info.format if info else None,
            "rank": info.rank if info else None,
            "bytes": self.size,
            "triggers": list(self.triggers),
            "title": info.title if info else None,
            "preview": self.preview.name if self.preview else None,
            "usable": self.usable,
            "problem": self.problem,
        }

    @property
    def identity(self) -> tuple[str, int, int]:
        """Changes when the file is replaced: the registry reloads an adapter whose identity changed."""
        return (str(self.path), self.size, self.modified_ns)


def family_label(family: str) -> str:
    return ENGINES[family].label if family in ENGINES else family


def check_new_name(name: str) -> str:
    """A name a user chose for a LoRA file (``.safetensors`` optional), safe to become a file name in the folder."""
    cleaned = name.strip() if isinstance(name, str) else name
    if isinstance(cleaned, str) and cleaned.lower().endswith(LORA_SUFFIX):
        cleaned = cleaned[: -len(LORA_SUFFIX)]
    return file_stem(cleaned, "LoRA", MAX_FILE_NAME)


class LoraLibrary:
    """The LoRAs of ``folders`` (the first is the user's; the others, like the demo LoRAs, follow)."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(folders)
        self._lock = threading.Lock()
        self._files: dict[str, LoraFile] = {}
        self._refused: list[LoraFile] = []
        self._hashes: dict[tuple[str, int, int], FileHashes] = {}
        self._scanned = False

    def scan(self) -> list[LoraFile]:
        """Read the folders again; returns every LoRA, usable or not, sorted by name."""
        files: dict[str, LoraFile] = {}
        refused: list[LoraFile] = []
        for folder in self.folders:
            for path in sorted(folder.iterdir()) if folder.is_dir() else ():
                if not path.is_file() or path.name.startswith("."):
                    continue
                suffix = path.suffix.lower()
                if suffix in PICKLE_SUFFIXES:
                    refused.append(_refused(path))
                elif suffix == LORA_SUFFIX and path.stem not in files:
                    files[path.stem] = _read(path)
        with self._lock:
            self._files, self._refused, self._scanned = files, refused, True
        return self.files()

    def files(self) -> list[LoraFile]:
        """Every listed LoRA (scanning once if nothing was read yet), refused pickles last."""
        self._ensure_scanned()
        with self._lock:
            return [*sorted(self._files.values(), key=lambda item: item.name.lower()), *self._refused]

    def usable(self) -> list[LoraFile]:
        """The LoRAs that can be applied."""
        return [item for item in self.files() if item.usable]

    def get(self, name: str) -> LoraFile:
        """The LoRA called ``name``, read again if its file changed since the scan; an unknown name is
        refused with the closest names."""
        self._ensure_scanned()
        with self._lock:
            found = self._files.get(name)
            names = [each for each, item in self._files.items() if not item.problem]
            refused = next((item for item in self._refused if item.path.stem == name), None)
        if found is None and refused is not None:
            raise InvalidInput(f"LoRA {name!r} is {refused.path.name}, which is not used: {refused.problem}")
        if found is None:
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(each) for each in close)}?" if close else ""
            listing = f" Usable LoRAs: {', '.join(sorted(names)[:12])}." if names and not close else ""
            where = self.folders[0]
            raise InvalidInput(f"No LoRA is called {name[:60]!r} in {where}.{hint}{listing}".rstrip())
        found = self._current(found)
        if found.problem:
            raise InvalidInput(f"LoRA {name!r} cannot be used: {found.problem}")
        return found

    def _current(self, item: LoraFile) -> LoraFile:
        try:
            stat = item.path.stat()
        except OSError:
            raise InvalidInput(f"LoRA {item.name!r} is no longer in its folder: press Rescan.") from None
        if (stat.st_size, stat.st_mtime_ns) == (item.size, item.modified_ns):
            return item
        fresh = _read(item.path)
        with self._lock:
            self._files[item.name] = fresh
        return fresh

    def file_hashes(self, item: LoraFile) -> FileHashes:
        """The file's hashes, read once per version of the file."""
        with self._lock:
            known = self._hashes.get(item.identity)
        if known is not None:
            return known
        whole, tensors = hashlib.sha256(), hashlib.sha256()
        with item.path.open("rb") as stream:
            start = stream.read(8)
            header = stream.read(int.from_bytes(start, "little")) if len(start) == 8 else b""
            whole.update(start + header)
            for block in iter(lambda: stream.read(1 << 20), b""):
                whole.update(block)
                tensors.update(block)
        hashes = FileHashes(whole.hexdigest(), tensors.hexdigest()[:12])
        with self._lock:
            self._hashes[item.identity] = hashes
        return hashes

    def rename(self, name: str, new_name: str) -> LoraFile:
        """Rename LoRA ``name`` (and its preview) inside its folder; never over an existing file."""
        self._ensure_scanned()
        with self._lock:
            item = self._files.get(name)
        if item is None:
            raise InvalidInput(f"No usable LoRA is called {name[:60]!r}: press Rescan to see the folder as it is.")
        new_name = check_new_name(new_name)
        target = item.path.with_name(new_name + LORA_SUFFIX)
        targets = [target] + ([target.with_suffix(item.preview.suffix)] if item.preview else [])
        if new_name in self._files or any(path.exists() for path in targets):
            raise InvalidInput(f"A LoRA or a preview called {new_name!r} exists already: pick another name.")
        _move(item.path, target)
        if item.preview is not None:
            _move(item.preview, targets[1])
        self.scan()
        return self.get(new_name)

    def delete(self, name: str) -> None:
        """Delete LoRA ``name`` and its preview from its folder."""
        item = self._listed(name)
        item.path.unlink(missing_ok=True)
        if item.preview is not None:
            item.preview.unlink(missing_ok=True)
        self.scan()

    def _listed(self, name: str) -> LoraFile:
        self._ensure_scanned()
        with self._lock:
            found = self._files.get(name) or next((each for each in self._refused if each.name == name), None)
        if found is None:
            raise InvalidInput(f"No LoRA is called {name[:60]!r}: press Rescan to see the folder as it is.")
        return found

    def _ensure_scanned(self) -> None:
        if not self._scanned:
            self.scan()


def _move(source: Path, target: Path) -> None:
    """``source`` renamed to ``target``, never replacing a file (a hard link first, where links work)."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise InvalidInput(f"{target.name} exists already: pick another name.") from None
    except OSError:  # a file system without hard links: rename, after the check above
        source.rename(target)
        return
    source.unlink()


def _read(path: Path) -> LoraFile:
    stat = path.stat()
    preview = next((found for found in _previews(path) if found.is_file()), None)
    try:
        info = probe(path)
    except Exception as problem:  # any unreadable file is listed as refused; the folder still loads
        message = str(problem) if isinstance(problem, InvalidInput) else f"it could not be read ({problem!r:.120})."
        return LoraFile(path.stem, path, stat.st_size, stat.st_mtime_ns, problem=message, preview=preview)
    problem = "" if info.family else f"made for {info.base_hint or 'an unknown model'}, not SDXL, FLUX.1 or SD 3.5."
    return LoraFile(path.stem, path, stat.st_size, stat.st_mtime_ns, info, problem, preview)


def _refused(path: Path) -> LoraFile:
    stat = path.stat()
    reason = (
        f"{path.suffix} files are Python pickles, which can run code when opened: refused. "
        "Use the .safetensors version of this LoRA."
    )
    return LoraFile(path.name, path, stat.st_size, stat.st_mtime_ns, problem=reason)


def _previews(path: Path) -> list[Path]:
    return [path.with_suffix(suffix) for suffix in PREVIEW_SUFFIXES]
