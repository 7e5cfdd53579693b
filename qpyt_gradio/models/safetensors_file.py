"""Reading a safetensors file's header, safely: the 8-byte length, then that much JSON naming each tensor
with its dtype, shape and byte range, and an optional ``__metadata__`` dict of strings.

Nothing else is read, never the tensors and never a pickle. A pickle (by its suffix, or by its
first bytes under another name), a header that cannot be right, invalid JSON and a truncated
file are each refused with a message that says what to do.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from qpyt_gradio.errors import InvalidInput

PICKLE_SUFFIXES = frozenset({".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle"})
PICKLE_MAGIC = (b"PK\x03\x04", b"\x80")  # torch.save's zip archive, a bare pickle's PROTO opcode
MAX_HEADER_BYTES = 100 * 1024 * 1024


def read_header(path: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Tensor entries (name → dtype, shape, data_offsets) and ``__metadata__`` of a whole safetensors file."""
    _refuse_pickle_name(path)
    if not path.is_file():
        raise InvalidInput(f"{path.name} is not there: check the file name or put the file back.")
    size = path.stat().st_size
    with path.open("rb") as handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise InvalidInput(f"{path.name} is not a safetensors file: it holds only {size} bytes. Download it again.")
        (length,) = struct.unpack("<Q", prefix)
        if length > min(MAX_HEADER_BYTES, size - 8):
            raise InvalidInput(_bad_length_message(path, prefix, length, size))
        raw = handle.read(length)
    entries, metadata = _parse_header(path, raw)
    expected = 8 + length + max((entry["data_offsets"][1] for entry in entries.values()), default=0)
    if size < expected:
        raise InvalidInput(
            f"{path.name} is truncated: {size:,} of its {expected:,} bytes are there. Download it again."
        )
    return entries, metadata


def _bad_length_message(path: Path, prefix: bytes, length: int, size: int) -> str:
    """Why a header length cannot be right: a pickle's first bytes read as a huge length, or damage."""
    if prefix.startswith(PICKLE_MAGIC):
        return _pickle_message(path, "is a PyTorch pickle file, not safetensors")
    excess = "over the 100 MB limit" if length > MAX_HEADER_BYTES else f"more than the file's {size:,} bytes"
    return (
        f"{path.name} is not a safetensors file, or is damaged: its header claims {length:,} bytes, {excess}. "
        "Download it again, as .safetensors."
    )


def _refuse_pickle_name(path: Path) -> None:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise InvalidInput(_pickle_message(path, f"is a pickle-based file ({path.suffix})"))


def _pickle_message(path: Path, what: str) -> str:
    return (
        f"{path.name} {what}, which can run arbitrary code when loaded, so it is not opened. "
        "Qpyt-UI only uses .safetensors files: download the .safetensors version."
    )


def _parse_header(path: Path, raw: bytes) -> tuple[dict[str, dict], dict[str, str]]:
    invalid = InvalidInput(f"{path.name} is damaged: its header is not valid safetensors JSON. Download it again.")
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError):
        raise invalid from None
    if not isinstance(header, dict):
        raise invalid
    metadata = header.pop("__metadata__", None) or {}
    if not _is_text_dict(metadata) or not all(_is_entry(entry) for entry in header.values()):
        raise invalid
    return header, metadata


def _is_text_dict(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def _is_entry(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    shape, offsets = entry.get("shape"), entry.get("data_offsets")
    return (
        isinstance(entry.get("dtype"), str)
        and isinstance(shape, list)
        and all(isinstance(size, int) for size in shape)
        and isinstance(offsets, list)
        and len(offsets) == 2
        and all(isinstance(offset, int) for offset in offsets)
    )
