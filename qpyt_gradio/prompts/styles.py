"""Styles as data: prompt and negative prompt templates, with LoRAs, read from JSON (and A1111 CSV) files.

A style file is a JSON list of ``{name, category, prompt, negative_prompt, loras}``, the
fields of Fooocus' ``sdxl_styles/*.json`` (category and loras optional), with ``{prompt}``
where the user's prompt goes. An AUTOMATIC1111 ``styles.csv`` (``name,prompt,negative_prompt``)
is read too; a CSV prompt without ``{prompt}`` is appended to the user's prompt. The shipped
folder is read first, then the user's, whose styles replace shipped ones of the same name. A
broken file is reported and skipped; the others still load.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.loras.tags import split_lora_tags
from qpyt_gradio.validation import LoraChoice, lora_choices

PLACEHOLDER = "{prompt}"
MAX_STYLE_FILE_BYTES = 1_000_000
MAX_STYLE_TEXT = 2000
OTHER = "Other"


@dataclass(frozen=True)
class Style:
    name: str
    category: str
    prompt: str
    negative_prompt: str
    loras: tuple[LoraChoice, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Styled:
    """A prompt with styles applied: the texts the model sees and the LoRAs the styles bring."""

    prompt: str
    negative_prompt: str
    loras: tuple[LoraChoice, ...]


@dataclass(frozen=True)
class StyleBook:
    """Every style by name, and a line for each file or entry that could not be read."""

    styles: dict[str, Style] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def get(self, name: str) -> Style:
        try:
            return self.styles[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.styles), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(each) for each in close)}?" if close else ""
            raise InvalidInput(f"No style is called {name[:60]!r}.{hint}") from None

    def categories(self) -> list[str]:
        """Categories in the order their first style was read, "Other" last."""
        seen = dict.fromkeys(style.category for style in self.styles.values())
        return [*[name for name in seen if name != OTHER], *([OTHER] if OTHER in seen else [])]

    def apply(self, names: Sequence[str], prompt: str, negative_prompt: str) -> Styled:
        """The styles ``names`` wrapped around the prompt in order (the first innermost); their negative
        prompts joined after the user's."""
        for style in (self.get(name) for name in names):
            prompt = _fill(style.prompt, prompt)
            negative_prompt = ", ".join(part for part in (negative_prompt, style.negative_prompt) if part)
        loras: dict[str, float] = {}
        for name in names:
            loras.update(dict(self.styles[name].loras))
        return Styled(prompt, negative_prompt, tuple(loras.items()))


def styled_prompt(
    book: StyleBook, prompt: str, negative_prompt: str, names: Sequence[str]
) -> tuple[Styled, tuple[LoraChoice, ...]]:
    """The prompts as the model sees them (styles applied, then every LoRA tag out: the user's and the
    styles'), and those tags."""
    styled = book.apply(names, prompt, negative_prompt)
    text, tagged = split_lora_tags(styled.prompt)
    return Styled(text, styled.negative_prompt, styled.loras), tagged


def _fill(template: str, prompt: str) -> str:
    if PLACEHOLDER in template:
        return template.replace(PLACEHOLDER, prompt)
    return ", ".join(part for part in (prompt, template) if part)


def load_styles(folders: Sequence[Path]) -> StyleBook:
    """The styles of ``folders`` (``*.json`` and ``*.csv``, in name order); later folders win."""
    styles: dict[str, Style] = {}
    problems: list[str] = []
    for folder in folders:
        for path in sorted(folder.glob("*")) if folder.is_dir() else ():
            if path.suffix.lower() not in (".json", ".csv") or not path.is_file():
                continue
            try:
                read, skipped = _read_file(path)
            except InvalidInput as problem:
                problems.append(f"{path.name}: {problem}")
                continue
            problems += [f"{path.name}: {line}" for line in skipped]
            styles.update({style.name: style for style in read})
    return StyleBook(styles, tuple(problems))


def _read_file(path: Path) -> tuple[list[Style], list[str]]:
    size = path.stat().st_size
    if size > MAX_STYLE_FILE_BYTES:
        raise InvalidInput(
            f"{size:,} bytes is too large for a style file (at most {MAX_STYLE_FILE_BYTES:,}); split it."
        )
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() == ".csv":
        return _csv_styles(text, path.name)
    try:
        entries = json.loads(text)
    except ValueError as error:
        raise InvalidInput(f"not valid JSON ({error}); fix the file or remove it.") from None
    if not isinstance(entries, list):
        raise InvalidInput("a style file is a JSON list of styles, each {name, prompt, negative_prompt}.")
    styles, skipped = [], []
    for index, entry in enumerate(entries):
        try:
            styles.append(_json_style(entry, path.name))
        except InvalidInput as problem:
            skipped.append(f"style {index + 1}: {problem}")
    return styles, skipped


def _json_style(entry: Any, source: str) -> Style:
    if not isinstance(entry, dict):
        raise InvalidInput("a style is a JSON object {name, prompt, negative_prompt}.")
    name, prompt, negative = (_text(entry, key) for key in ("name", "prompt", "negative_prompt"))
    if not name:
        raise InvalidInput("it has no name.")
    prompt = prompt or PLACEHOLDER  # a style of negative words only (Fooocus has some) keeps the prompt as it is
    if PLACEHOLDER not in prompt:
        raise InvalidInput(f"{name!r} has no {PLACEHOLDER} in its prompt: add it where the user's prompt goes.")
    category = _text(entry, "category") or OTHER
    loras = lora_choices(f"Style {name!r}", entry.get("loras") or [])
    return Style(name, category, prompt, negative, loras, source)


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key) or ""
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a text, not {str(value)[:40]!r}.")
    if len(value) > MAX_STYLE_TEXT:
        raise InvalidInput(f"{key} has {len(value):,} characters; at most {MAX_STYLE_TEXT:,}.")
    return value.strip()


def _csv_styles(text: str, source: str) -> tuple[list[Style], list[str]]:
    styles, skipped = [], []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        name = (row.get("name") or "").strip()
        if not name:
            skipped.append(f"line {number}: no name.")
            continue
        prompt = (row.get("prompt") or "").strip()
        negative = (row.get("negative_prompt") or "").strip()
        if len(prompt) > MAX_STYLE_TEXT or len(negative) > MAX_STYLE_TEXT:
            skipped.append(f"line {number}: {name!r} is longer than {MAX_STYLE_TEXT:,} characters.")
            continue
        styles.append(Style(name, OTHER, prompt, negative, (), source))
    return styles, skipped
