"""Styles as data: the shipped library, user files in Fooocus and A1111 formats, broken files, order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.prompts.styles import load_styles, styled_prompt
from qpyt_gradio.settings import STYLES_DIR

CATEGORIES = {"Photo", "Film", "Illustration", "Anime", "3D", "Painting", "Logo & flat", "Product"}


def write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_the_shipped_library_has_forty_styles_in_every_category():
    book = load_styles([STYLES_DIR])
    assert not book.problems
    assert len(book.styles) >= 40
    assert set(book.categories()) == CATEGORIES
    assert all("{prompt}" in style.prompt for style in book.styles.values())


def test_styles_wrap_the_prompt_in_the_order_given():
    book = load_styles([STYLES_DIR])
    first, second = list(book.styles)[:2]
    styled = book.apply([first, second], "a red fox", "blurry")
    inner = book.styles[first].prompt.replace("{prompt}", "a red fox")
    assert styled.prompt == book.styles[second].prompt.replace("{prompt}", inner)
    assert styled.negative_prompt.startswith("blurry, " + book.styles[first].negative_prompt)
    assert book.apply([second, first], "a red fox", "").prompt != styled.prompt


def test_fooocus_files_and_an_a1111_csv_are_read_and_user_styles_replace_shipped_ones(tmp_path):
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    write(shipped, "base.json", json.dumps([{"name": "Ink", "category": "Art", "prompt": "ink {prompt}"}]))
    fooocus = [
        {"name": "Ink", "prompt": "my ink {prompt}", "negative_prompt": "color"},
        {"name": "Neon", "prompt": "{prompt}, neon"},
    ]
    write(user, "sdxl_styles_mine.json", json.dumps(fooocus))
    write(
        user,
        "styles.csv",
        '\ufeffname,prompt,negative_prompt\nMoody,"dark, moody",bright\nWrapped,{prompt} at night,\n',
    )
    book = load_styles([shipped, user])
    assert not book.problems
    assert book.styles["Ink"].prompt == "my ink {prompt}" and book.styles["Neon"].category == "Other"
    assert book.apply(["Moody"], "a cat", "").prompt == "a cat, dark, moody"
    assert book.apply(["Wrapped", "Ink"], "a cat", "").prompt == "my ink a cat at night"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "a style file is a JSON list"),
        ('[{"name": "Plain", "prompt": "no placeholder"}]', "'Plain' has no {prompt}"),
        ('[{"prompt": "{prompt}"}]', "it has no name"),
        ('[{"name": "Big", "prompt": 42}]', "prompt must be a text"),
        ('[{"name": "L", "prompt": "{prompt}", "loras": [["x", 100]]}]', "out of range"),
        (b"[" + b" " * 10_000_000 + b"]", "too large for a style file"),
    ],
)
def test_a_broken_style_file_is_reported_and_the_others_still_load(tmp_path, content, message):
    write(tmp_path, "broken.json", content)
    write(tmp_path, "good.json", json.dumps([{"name": "Good", "prompt": "{prompt}, good"}]))
    book = load_styles([tmp_path])
    assert "Good" in book.styles
    assert len(book.problems) == 1 and book.problems[0].startswith("broken.json") and message in book.problems[0]


def test_an_unknown_style_is_refused_with_close_names():
    book = load_styles([STYLES_DIR])
    name = next(iter(book.styles))
    with pytest.raises(InvalidInput, match=f"Did you mean '{name}'"):
        book.apply([name[:-1]], "x", "")


def test_the_final_prompt_takes_the_lora_tags_out_and_brings_the_styles_loras(tmp_path):
    write(tmp_path, "s.json", json.dumps([{"name": "Inked", "prompt": "{prompt}, ink", "loras": [["ink", 0.6]]}]))
    styled, tagged = styled_prompt(load_styles([tmp_path]), "a cat <lora:fur:0.5>, cute", "", ["Inked"])
    assert styled.prompt == "a cat, cute, ink"
    assert styled.loras == (("ink", 0.6),) and tagged == (("fur", 0.5),)
