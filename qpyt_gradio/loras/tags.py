"""AUTOMATIC1111's ``<lora:name:weight>`` tags: taken out of the text the encoders see, kept in the saved prompt."""

from __future__ import annotations

import re

from qpyt_gradio.validation import LoraChoice, lora_choices

_TAG = re.compile(r"<lora:([^<>]*)>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_LOOSE_COMMAS = re.compile(r"[ \t]*,(?:[ \t]*,)*")


def split_lora_tags(prompt: str) -> tuple[str, tuple[LoraChoice, ...]]:
    """``prompt`` without its LoRA tags, and the tags as ``(name, weight)`` (weight 1 when left out)."""
    found = [_pair(body) for body in _TAG.findall(prompt)]
    if not found:
        return prompt, ()
    text = _TAG.sub(" ", prompt)
    text = _LOOSE_COMMAS.sub(",", _SPACES.sub(" ", text))
    return text.strip(" ,\n"), lora_choices("LoRA tag in the prompt", found)


def lora_tag(name: str, weight: float) -> str:
    return f"<lora:{name}:{weight:g}>"


def _pair(body: str) -> list[str]:
    name, separator, weight = body.rpartition(":")
    return [name, weight] if separator else [body]
