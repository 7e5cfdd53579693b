"""What a LoRA file is for, from its safetensors header alone: the tensors are never read.

A safetensors file starts with an 8-byte little-endian length and that many bytes of JSON naming each
tensor with its dtype, shape and byte range, plus an optional ``__metadata__`` dict of strings. The
family comes from the tensor names first (each family's module names), then from tensor widths
(the text embedding a UNet's cross-attention reads), the way InvokeAI's LoRA probe tells them apart.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.models.safetensors_file import read_header

LORA_WEIGHT = re.compile(r"lora_(?:A|B|down|up)\.|lora\.(?:down|up)\.")
DOWN_WEIGHT = re.compile(r"lora_(?:A|down)\.weight$|lora\.down\.weight$")
KOHYA = re.compile(r"^lora_(?:unet|te\d?)_")
ORIGINAL = re.compile(r"^(?:model\.)?diffusion_model\.")
TEXT_ENCODER = re.compile(r"^(?:text_encoder|lora_te)")
UNET_CROSS_ATTENTION = re.compile(r"attn2[._](?:processor[._])?to_[kv][._]")
MMDIT_ATTENTION = re.compile(r"(?<!single_)transformer_blocks[._]\d+[._]attn[._](?:to_[qkv]|add_[qkv]_proj)[._]")
MAX_TRIGGERS = 10
FLUX_WIDTH = 3072  # FLUX.1 hidden size; SD3 and SD3.5 are 1536 or 2432 wide


@dataclass(frozen=True)
class LoraInfo:
    """What a LoRA file says about itself.

    ``family`` is "sdxl", "flux", "sd3" or None; when None, ``base_hint`` may name the base it was made for
    ("SD 1.5", "SD 2.x"). ``format`` is "diffusers" (diffusers/peft names), "kohya" (``lora_unet_``/``lora_te_``
    names) or "original" (the base model's own module names under ``diffusion_model.``).
    """

    family: str | None
    format: str
    rank: int | None
    tensors: int
    triggers: tuple[str, ...]
    title: str | None
    text_encoder: bool
    base_hint: str | None = None


@dataclass(frozen=True)
class _Layout:
    """Tensor names with their shapes, and the input widths the family rules look at."""

    shapes: Mapping[str, tuple[int, ...]]

    def has(self, pattern: str) -> bool:
        compiled = re.compile(pattern)
        return any(compiled.search(name) for name in self.shapes)

    def input_width(self, module: re.Pattern[str]) -> int | None:
        """Input width of the first LoRA down weight on a module matching ``module``."""
        return next(
            (
                shape[1]
                for name, shape in self.shapes.items()
                if len(shape) > 1 and module.search(name) and DOWN_WEIGHT.search(name)
            ),
            None,
        )


@dataclass(frozen=True)
class _Rule:
    matches: Callable[[_Layout], bool]
    family: str | None
    base_hint: str | None = None


def _names(pattern: str) -> Callable[[_Layout], bool]:
    return lambda layout: layout.has(pattern)


def _width(module: re.Pattern[str], width: int) -> Callable[[_Layout], bool]:
    return lambda layout: layout.input_width(module) == width


# First match wins. Separators are [._] because Kohya names join module paths with "_".
FAMILY_RULES = (
    # FLUX: single-stream blocks (diffusers single_transformer_blocks, original/Kohya single_blocks, double_blocks).
    _Rule(_names(r"single_transformer_blocks[._]|(?:^|[._])(?:double|single)_blocks[._]"), "flux"),
    # FLUX double blocks alone, told from SD3 by width.
    _Rule(_width(MMDIT_ATTENTION, FLUX_WIDTH), "flux"),
    # SD3: joint blocks with a context stream (original/Kohya), or diffusers MMDiT blocks without single blocks.
    _Rule(_names(r"(?:^|[._])joint_blocks[._]|context_block|^transformer\.transformer_blocks\."), "sd3"),
    # UNet LoRAs: the width of the text embedding cross-attention reads.
    _Rule(_width(UNET_CROSS_ATTENTION, 2048), "sdxl"),
    _Rule(_width(UNET_CROSS_ATTENTION, 768), None, "SD 1.5"),
    _Rule(_width(UNET_CROSS_ATTENTION, 1024), None, "SD 2.x"),
    # SDXL's second text encoder (OpenCLIP bigG, 1280 wide) — SD 1.x and 2.x have one.
    _Rule(_names(r"^(?:text_encoder_2\.|lora_te2_)"), "sdxl"),
    # SDXL's UNet layout: text-time embedding, attention in the first up block (output blocks 0-2 in original
    # names), where SD 1.x and 2.x have plain resnets.
    _Rule(_names(r"add_embedding[._]|up_blocks[._]0[._]attentions[._]|output_blocks[._][0-2][._]1[._]"), "sdxl"),
)
UNKNOWN = _Rule(lambda layout: True, None)


def probe(path: Path) -> LoraInfo:
    """What LoRA file ``path`` is for; :class:`InvalidInput` when it is not a whole safetensors LoRA."""
    entries, metadata = read_header(path)
    names = [name for name in entries if LORA_WEIGHT.search(name)]
    if not names:
        raise InvalidInput(
            f"{path.name} is not a LoRA: no LoRA weights among its {len(entries)} tensors (no lora_A/lora_B or "
            "lora_down/lora_up names). A full model or a VAE belongs in the models folder."
        )
    layout = _Layout({name: tuple(entry["shape"]) for name, entry in entries.items()})
    rule = next((rule for rule in FAMILY_RULES if rule.matches(layout)), UNKNOWN)
    return LoraInfo(
        family=rule.family,
        format=_format(names),
        rank=_rank(layout),
        tensors=len(entries),
        triggers=triggers(metadata),
        title=metadata.get("modelspec.title") or None,
        text_encoder=any(TEXT_ENCODER.search(name) for name in names),
        base_hint=rule.base_hint,
    )


def _format(names: list[str]) -> str:
    if any(KOHYA.search(name) for name in names):
        return "kohya"
    if any(ORIGINAL.search(name) for name in names):
        return "original"
    return "diffusers"


def _rank(layout: _Layout) -> int | None:
    """The most common rank: the row count of the down (A) weights."""
    ranks = Counter(shape[0] for name, shape in layout.shapes.items() if DOWN_WEIGHT.search(name) and shape)
    return ranks.most_common(1)[0][0] if ranks else None


def triggers(metadata: Mapping[str, str]) -> tuple[str, ...]:
    """Trigger words: ``modelspec.trigger_phrase`` (comma-separated), else the most frequent training tags
    of ``ss_tag_frequency`` (kohya's ``{folder: {tag: count}}``), most frequent first."""
    phrase = metadata.get("modelspec.trigger_phrase", "")
    if phrase.strip():
        return tuple(word.strip() for word in phrase.split(",") if word.strip())
    counts: Counter[str] = Counter()
    try:
        for tags in json.loads(metadata.get("ss_tag_frequency", "{}")).values():
            counts.update({tag.strip(): count for tag, count in tags.items() if isinstance(count, int) and tag.strip()})
    except (ValueError, AttributeError, RecursionError):
        return ()
    return tuple(tag for tag, _ in counts.most_common(MAX_TRIGGERS))
