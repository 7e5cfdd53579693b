"""French → English prompt translation with MarianMT, keeping prompt syntax exactly as written.

The prompt is cut into protected pieces — ``(word:1.2)`` and other parentheses, ``[...]``,
``<lora:name:0.8>`` and other angle tags, ``BREAK`` — and text pieces. Only the text is
translated, sentence by sentence (so long prompts fit the model), and everything is put back
in its place with its original spacing. Brackets the translation itself writes are escaped
(as ``\\(``), so they stay text rather than becoming weights. Text that is not French comes back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from qpyt_gradio.helpers.language import LANGUAGE_NAMES, detect_language
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.validation import one_line

PROTECTED = re.compile(r"<[^<>\n]*>|\[[^\[\]\n]*\]|\([^()\n]*\)|\bBREAK\b")
SENTENCE_BREAK = re.compile(r"((?<=[.!?;])\s+|\n+)")
HAS_LETTERS = re.compile(r"[^\W\d_]")
BRACKET = re.compile(r"([()\[\]])")
MAX_TOKENS = 512


@dataclass(frozen=True)
class Translation:
    text: str
    note: str
    translated: bool


def pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, translatable) in order; joining the pieces gives ``text`` back."""
    result: list[tuple[str, bool]] = []
    position = 0
    for match in PROTECTED.finditer(text):
        result.extend(_sentences(text[position : match.start()]))
        result.append((match.group(0), False))
        position = match.end()
    result.extend(_sentences(text[position:]))
    return [(piece, translatable) for piece, translatable in result if piece]


def _sentences(text: str) -> list[tuple[str, bool]]:
    result = []
    for part in SENTENCE_BREAK.split(text):
        core = part.strip()
        if not core or not HAS_LETTERS.search(core):
            result.append((part, False))
            continue
        start = part.index(core)
        result += [(part[:start], False), (core, True), (part[start + len(core) :], False)]
    return result


def plain_text(text: str) -> str:
    """The prompt without its protected syntax: what the language is judged on."""
    return PROTECTED.sub(" ", text)


def translate(registry: Registry, text: str) -> Translation:
    """French ``text`` in English; other languages unchanged, with a note that says why."""
    language = detect_language(plain_text(text))
    if language == "en":
        return Translation(text, "The text is already in English: it was left unchanged.", False)
    if language != "fr":
        name = LANGUAGE_NAMES.get(language or "", "an unknown language")
        return Translation(text, f"The text looks like {name}, not French: it was left unchanged.", False)
    cut = pieces(text)
    sources = [piece for piece, translatable in cut if translatable]
    with registry.helper("translate") as helper:
        results = iter(_translate_batch(helper.model, helper.processor, sources))
    joined = "".join(BRACKET.sub(r"\\\1", next(results)) if translatable else piece for piece, translatable in cut)
    return Translation(joined, "Translated from French.", True)


def _translate_batch(model: torch.nn.Module, tokenizer: object, sentences: list[str]) -> list[str]:
    inputs = tokenizer(sentences, return_tensors="pt", padding=True, truncation=True, max_length=MAX_TOKENS)
    inputs = inputs.to(model.device)
    budget = min(MAX_TOKENS, 2 * inputs["input_ids"].shape[1] + 16)
    with torch.inference_mode():
        generated = model.generate(**inputs, max_new_tokens=budget)
    return [one_line(text) for text in tokenizer.batch_decode(generated, skip_special_tokens=True)]
