"""Which LoRAs a job applies: those of the request, of its styles and of its prompt's tags, checked
against the model's family before anything loads, so a job never starts half-applied."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.loras.library import LoraLibrary, family_label
from qpyt_gradio.validation import MAX_LORAS, LoraChoice


@dataclass(frozen=True)
class AdapterUse:
    """One LoRA a job applies: its name, file, the file's identity (path, size, time), weight and hashes."""

    name: str
    path: Path
    identity: tuple[str, int, int]
    weight: float
    sha256: str = ""
    a1111_hash: str = ""

    @property
    def adapter_name(self) -> str:
        """A module-safe adapter name, unique per file version."""
        digest = hashlib.sha1(repr(self.identity).encode()).hexdigest()[:8]
        return f"{re.sub(r'[^0-9A-Za-z_]', '_', self.name)[:40]}_{digest}"

    def record(self) -> dict[str, Any]:
        """What an output records about this LoRA."""
        return {"name": self.name, "weight": self.weight, "sha256": self.sha256, "a1111_hash": self.a1111_hash}


def merged(*sources: Sequence[LoraChoice]) -> tuple[LoraChoice, ...]:
    """The LoRAs of several sources (request, styles, prompt tags), a later weight replacing an earlier one."""
    weights: dict[str, float] = {}
    for source in sources:
        weights.update(dict(source))
    if len(weights) > MAX_LORAS:
        raise InvalidInput(
            f"{len(weights)} LoRAs at once (with the styles' and the prompt's); use {MAX_LORAS} or fewer."
        )
    return tuple(weights.items())


def adapter_uses(
    library: LoraLibrary, choices: Sequence[LoraChoice], family: str, model_name: str
) -> tuple[AdapterUse, ...]:
    """The files of ``choices``, each checked to be a LoRA of ``family`` (the model's)."""
    uses = []
    for name, weight in choices:
        item = library.get(name)
        lora_family = item.info.family if item.info else None
        if lora_family != family:
            raise InvalidInput(
                f"LoRA {name!r} is made for {item.family_label}, but {model_name} is {family_label(family)}: "
                f"pick a {family_label(family)} LoRA, or a {item.family_label} model."
            )
        hashes = library.file_hashes(item)
        uses.append(AdapterUse(name, item.path, item.identity, weight, hashes.sha256, hashes.a1111))
    return tuple(uses)
