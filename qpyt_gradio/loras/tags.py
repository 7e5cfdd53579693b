"""AUTOMATIC1111's ``<lora:name:weight>`` tags: taken out of the text the encoders see, kept in the saved prompt.

Only the text next to a tag is tidied (the separator it leaves behind), so a prompt without
tags, or with a tag at weight 0, reaches the encoders exactly as written around it.
"""

from __future__ import annotations

import re

from qpyt_gradio.validation import LoraChoice, lora_choices

_TAG = re.compile(r"(?P<before>[ \t]*,?[ \t]*)<lora:(?P<body>[^<>]*)>(?P<after>[ \t]*,?[ \t]*)", re.IGNORECASE)


def split_lora_tags(prompt: str) -> tuple[str, tuple[LoraChoice, ...]]:
    """``prompt`` without its LoRA tags, and the tags as ``(name, weight)`` (weight 1 when left out; of
    A1111's ``name:text-encoder weight:denoiser weight`` the first weight is taken)."""
    found = [_pair(match.group("body")) for match in _TAG.finditer(prompt)]
    if not found:
        return prompt, ()
    text = _TAG.sub(_joint, prompt).strip(" \t,")
    return text, lora_choices("LoRA tag in the prompt", found)


def lora_tag(name: str, weight: float) -> str:
    return f"<lora:{name}:{weight:g}>"


def _joint(match: re.Match[str]) -> str:
    """What replaces a tag: a comma when one stood on either side, else a space when there was one."""
    around = match.group("before") + match.group("after")
    return ", " if "," in around else (" " if around else "")


def _pair(body: str) -> list[str]:
    name, *weights = body.split(":")
    return [name, weights[0]] if weights else [name]
