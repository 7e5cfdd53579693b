"""Prompt helpers on their tiny models, through the registry: captions, translation, enhancement."""

import re

import numpy as np
import pytest
from PIL import Image
from support.running import run

from qpyt_gradio.bricks.contract import Choices, Job
from qpyt_gradio.errors import InvalidInput, ModelUnavailable, NothingWritten
from qpyt_gradio.finishing.background import cut_out
from qpyt_gradio.helpers.caption import CAPTION_TASKS, as_image_prompt, caption
from qpyt_gradio.helpers.enhance import STYLES, clean_enhanced, enhance, limit_words
from qpyt_gradio.helpers.kinds import CAPTION
from qpyt_gradio.helpers.language import detect_language
from qpyt_gradio.helpers.models import helper_spec
from qpyt_gradio.helpers.translate import pieces, translate


@pytest.fixture()
def picture(tmp_path):
    path = tmp_path / "picture.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(path)
    return path


@pytest.mark.parametrize("task", list(CAPTION_TASKS))
def test_each_caption_task_writes_text(registry, picture, task):
    result = caption(registry, picture, task)
    assert result.text.strip() and result.notes == ()


def test_images_of_any_mode_are_described(registry, tmp_path):
    for mode in ("RGBA", "L", "P", "CMYK", "I;16"):
        path = tmp_path / f"{mode.replace(';', '')}.{'jpg' if mode == 'CMYK' else 'png'}"
        Image.new(mode, (64, 48)).save(path)
        assert caption(registry, path, "short").text


def test_bad_images_get_messages_and_the_captioner_keeps_working(workspace, registry, picture, tmp_path):
    with pytest.raises(InvalidInput, match="No image to describe"):
        caption(registry, None, "short")
    text_file = tmp_path / "notes.png"
    text_file.write_text("not an image")
    with pytest.raises(InvalidInput, match=r"notes\.png is not an image"):
        caption(registry, text_file, "short")
    with pytest.raises(InvalidInput, match="Description 'poem' is unknown: use one of short, detailed"):
        run(workspace, "caption", image=str(picture), task="poem")
    assert caption(registry, picture, "short").text


def test_a_huge_image_is_downscaled_and_said_so(registry, tmp_path):
    path = tmp_path / "huge.png"
    Image.new("RGB", (12000, 12000), "teal").save(path, compress_level=1)
    result = caption(registry, path, "short")
    assert result.text and result.notes == ("The image was 12000×12000; it was downscaled to 2048×2048.",)


@pytest.mark.parametrize(
    ("caption_text", "prompt"),
    [
        (
            "The image shows a red fox in the snow. It is looking at the camera.",
            "a red fox in the snow, it is looking at the camera",
        ),
        (
            "In this image, there is a castle on a hill. The sky is orange.",
            "there is a castle on a hill, the sky is orange",
        ),
        ("This painting depicts NASA astronauts on the moon.", "NASA astronauts on the moon"),
        ("A cat.", "a cat"),
    ],
)
def test_captions_become_prompts(caption_text, prompt):
    assert as_image_prompt(caption_text) == prompt


SYNTAX = "(chat noir:1.2) assis sur une chaise. <lora:style_fr:0.8> BREAK [fond flou] la nuit, lumière douce"


def test_translation_keeps_prompt_syntax_exactly(registry):
    result = translate(registry, SYNTAX)
    assert result.translated and result.note == "Translated from French."
    protected = ["(chat noir:1.2)", "<lora:style_fr:0.8>", "BREAK", "[fond flou]"]
    positions = [result.text.index(piece) for piece in protected]
    assert positions == sorted(positions)
    assert result.text.startswith("(chat noir:1.2) ")
    assert " <lora:style_fr:0.8> BREAK [fond flou] " in result.text
    assert "assis sur une chaise" not in result.text


def test_long_prompts_are_translated_sentence_by_sentence(registry):
    text = "un chat noir sur une chaise.\nune maison rouge dans la forêt! le soleil se couche sur la mer"
    cut = pieces(text)
    assert "".join(piece for piece, _ in cut) == text
    assert [piece for piece, translatable in cut if translatable] == [
        "un chat noir sur une chaise.",
        "une maison rouge dans la forêt!",
        "le soleil se couche sur la mer",
    ]
    result = translate(registry, text)
    first_line, second_line = result.text.split("\n")
    assert first_line and second_line.count(" ") >= 1


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("a black cat sitting on a chair, soft light", "already in English"),
        ("un gato negro con una mujer en la casa", "looks like Spanish, not French"),
        ("eine Katze und ein Hund im Haus", "looks like German"),
        ("xyz qwerty 1234", "an unknown language"),
    ],
)
def test_text_that_is_not_french_comes_back_unchanged(registry, text, note):
    result = translate(registry, text)
    assert (result.text, result.translated) == (text, False) and note in result.note
    assert registry.load_counts["helper:translate"] == 0


def test_translation_refuses_empty_and_huge_text(workspace):
    with pytest.raises(InvalidInput, match="Nothing to translate"):
        run(workspace, "translate", text="   ")
    with pytest.raises(InvalidInput, match="20,000 characters; shorten it to 4,000"):
        run(workspace, "translate", text="é" * 20000)
    result = run(workspace, "translate", text="le chat noir")
    assert result.parameters["translated"] and result.notes == ("Translated from French.",)


def test_language_detection():
    assert detect_language("chat noir, forêt, coucher de soleil, haute qualité") == "fr"
    assert detect_language("l'homme dans la rue") == "fr"
    assert detect_language("black cat, forest, sunset, high quality") == "en"


def test_enhancer_is_repeatable_with_a_seed_and_streams(registry):
    parts: list[str] = []
    first = enhance(registry, "a cat on a chair", "flux", 0.8, 7, on_text=parts.append)
    assert first and len(parts) >= 2
    assert enhance(registry, "a cat on a chair", "flux", 0.8, 7) == first
    assert enhance(registry, "a cat on a chair", "flux", 0.8, 8) != first
    assert enhance(registry, "a cat on a chair", "sdxl", 0.0, 1) == enhance(
        registry, "a cat on a chair", "sdxl", 0.0, 2
    )
    assert len(first.split()) <= STYLES["sentences"].max_words
    assert registry.load_counts["helper:enhance"] == 1


def test_a_creativity_near_zero_writes_greedily_instead_of_failing(registry):
    greedy = enhance(registry, "a cat on a chair", "flux", 0.0, 1)
    assert enhance(registry, "a cat on a chair", "flux", 1e-80, 2) == greedy


def test_an_enhancer_that_writes_nothing_says_what_to_change(workspace):
    with pytest.raises(NothingWritten, match="The enhancer wrote nothing usable for this idea: try another Seed"):
        run(workspace, "enhance_prompt", text="0", creativity=0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("", "sdxl", 0.5, 1), "Nothing to enhance"),
        (
            ("a cat", "sd15", 0.5, 1),
            r"'sd15' is neither an engine \(sdxl, flux, sd3\) nor a usable model: Unknown model",
        ),
        (("a cat", "sdxl", 2.0, 1), "Creativity 2 is out of range: use 0 to 1.5"),
        (("a cat", "sdxl", 0.5, -5), "Seed -5 is out of range"),
    ],
)
def test_enhancer_bad_input(workspace, arguments, message):
    text, engine, creativity, seed = arguments
    with pytest.raises(InvalidInput, match=message):
        run(workspace, "enhance_prompt", text=text, engine=engine, creativity=creativity, seed=seed)


def test_the_enhancer_writes_for_the_engine_of_a_model_and_the_session_picks_the_enhancer(workspace):
    result = run(workspace, "enhance_prompt", text="a cat", engine="demo-flux", seed=3)
    assert result.parameters["engine"] == "flux" and result.text
    chosen = Job(Choices(enhance_model="Qwen/Qwen2.5-0.5B-Instruct"))
    with pytest.raises(ModelUnavailable, match=r"Qwen/Qwen2\.5-0\.5B-Instruct.*--enhance-model"):
        run(workspace, "enhance_prompt", chosen, text="a cat", engine="sdxl")
    with pytest.raises(InvalidInput, match="Enhancer model 'evil/model' is not offered"):
        run(workspace, "enhance_prompt", Job(Choices(enhance_model="evil/model")), text="a cat")


@pytest.mark.parametrize(
    ("answer", "style", "expected"),
    [
        (
            'Sure! Here is an enhanced prompt:\n"a cat on a velvet chair, golden hour"',
            "tags",
            "a cat on a velvet chair, golden hour",
        ),
        (
            "**Enhanced prompt:** A cat sits on a chair. Soft light fills the room.\n\nLet me know if you want more!",
            "sentences",
            "A cat sits on a chair. Soft light fills the room.",
        ),
        ("Here's the prompt: `misty forest, dawn`\nI hope this helps.", "tags", "misty forest, dawn"),
        ("- a red car\n- a rainy street", "tags", "a red car a rainy street"),
        ("Certainly. Prompt: a lighthouse at dusk", "sentences", "a lighthouse at dusk"),
    ],
)
def test_chatter_is_stripped(answer, style, expected):
    assert clean_enhanced(answer, STYLES[style]) == expected


def test_length_is_limited_at_a_clause_boundary():
    tags = ", ".join(f"tag{index} detail" for index in range(100))
    limited = limit_words(tags, STYLES["tags"])
    assert len(limited.split()) <= STYLES["tags"].max_words and not limited.endswith(",")
    assert re.fullmatch(r"(tag\d+ detail, )*tag\d+ detail", limited)
    sentences = " ".join(f"Sentence number {index} is here." for index in range(60))
    limited = limit_words(sentences, STYLES["sentences"])
    assert limited.endswith(".") and len(limited.split()) <= STYLES["sentences"].max_words


def test_a_missing_helper_model_names_the_setting_and_a_good_one_works_after(registry, picture, cache_dir):
    registry.register_helper(helper_spec(CAPTION, "nobody/no-such-florence", cache_dir / "demo-models"))
    with pytest.raises(ModelUnavailable, match=r"no-such-florence.*--caption-model / QPYT_CAPTION_MODEL"):
        caption(registry, picture, "short")
    registry.register_helper(helper_spec(CAPTION, CAPTION.demo_model, cache_dir / "demo-models"))
    assert caption(registry, picture, "short").text


class HelperWatcher:
    """Records, at every sampling step, how many helper bytes the registry holds."""

    def __init__(self, registry):
        self.registry, self.helper_bytes = registry, []

    def step(self, done, total, preview, unit="step"):
        self.helper_bytes.append(sum(row.bytes for row in self.registry.report() if row.role == "helper"))

    def text(self, partial):
        raise AssertionError("an image brick writes no text")


def test_no_helper_is_resident_while_an_image_is_sampled(workspace, registry, picture):
    caption(registry, picture, "short")
    translate(registry, "un chat noir")
    enhance(registry, "a cat", "sdxl", 0.5, 1)
    cut_out(registry, Job(), picture, "u2net", False)
    assert {row.role for row in registry.report()} == {"helper"} and len(registry.report()) == 4
    watcher = HelperWatcher(registry)
    run(workspace, "generate", Job(reporter=watcher), prompt="a cat", model="demo-sdxl", width=64, height=64, steps=3)
    assert watcher.helper_bytes == [0, 0, 0]
    assert [row.role for row in registry.report()] == ["image pipeline"]
    caption(registry, picture, "short")
    assert registry.load_counts["helper:caption"] == 2
    cut_out(registry, Job(), picture, "u2net", False)
    assert registry.load_counts["helper:background:u2net"] == 2


def test_the_memory_panel_shows_helpers_as_they_come_and_go(workspace, picture):
    from qpyt_gradio.ui.sidebar import memory_panel

    assert memory_panel(workspace)[0] == []
    caption(workspace.registry, picture, "short")
    enhance(workspace.registry, "a cat", "sdxl", 0.5, 1)
    rows, line = memory_panel(workspace)
    assert [row[0] for row in rows] == [
        "Florence-2 · demo-florence2 (helper)",
        "Qwen2.5 Instruct · demo-qwen2 (helper)",
    ]
    assert all(row[2].endswith("KB") or row[2].endswith("MB") for row in rows) and "CPU" in line
    run(workspace, "generate", prompt="a cat", model="demo-sd3", width=64, height=64, steps=1, seed=1)
    assert [row[0] for row in memory_panel(workspace)[0]] == ["demo-sd3 (image pipeline, float32)"]
