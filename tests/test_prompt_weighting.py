"""Prompt weighting: the AUTOMATIC1111 reader, its errors, and embeddings on the tiny SDXL and FLUX.1 pipelines."""

from __future__ import annotations

import re

import pytest
import torch
from compel import CompelForSDXL
from compel.prompt_parser import PromptParser
from support.compel_syntax import to_compel
from support.running import run

from qpyt_gradio.demo.pipelines import flux_pipeline, sdxl_pipeline
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.prompts.encoding import needs_embeddings, prompt_embeddings
from qpyt_gradio.prompts.weighting import for_engine, has_weighting, strip_weighting, weighted_sections

LONG = " ".join(f"word{index % 10}" for index in range(200))

CONVERSIONS = [
    ("a red cat", "a red cat"),
    ("a (red:1.3) cat", "a (red)1.3 cat"),
    ("a (red) cat", "a (red)1.1 cat"),
    ("a [red] cat", "a (red)0.9091 cat"),
    ("((red))", "(red)1.21"),
    ("[[red]]", "(red)0.8264"),
    ("[(red:1.5)]", "(red)1.3636"),
    ("((a) b:2)", "(a)2.2 (b)2"),
    ("(red:1.0) cat", "red cat"),
    ("(a:.5)", "(a)0.5"),
    ("(a:0)", "(a)0"),
    ("( word : 1.2 )", "(word)1.2"),
    ("a, (red:1.5), [blue], cat", "a, (red)1.5, (blue)0.9091, cat"),
    (r"hatsune miku \(cosplay\)", r"hatsune miku \(cosplay\)"),
    (r"(miku \(cosplay\):1.2) \[x\]", r"(miku \(cosplay\))1.2 [x]"),
    (r"(style\: noir:1.2)", "(style: noir)1.2"),
    ("(a:1.2:0.5)", "(a:1.2)0.5"),
    ('say "hi" (there:1.2)', r"say \"hi\" (there)1.2"),
    ("a cat BREAK a (dog:1.2)", '("a cat", "a (dog)1.2").and()'),
    ("(a BREAK b:1.2)", '("(a)1.2", "(b)1.2").and()'),
    ("BREAK a BREAK BREAK b BREAK", '("a", "b").and()'),
    ("BREAKFAST, x:y", "BREAKFAST, x:y"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "compel"), CONVERSIONS)
def test_to_compel(text, compel):
    assert to_compel(text) == compel


@pytest.mark.parametrize("text", [text for text, _ in CONVERSIONS if text and "1.2:0.5" not in text])
def test_compel_parses_the_conversion_to_the_same_runs(text):
    """compel reads the string back as the runs the encoder gets (left out: "(a:1.2)0.5" reads "a:1 . 2")."""
    conjunction = PromptParser().parse_conjunction(to_compel(text))
    parsed = [
        [(fragment.text, round(fragment.weight, 4)) for fragment in prompt.children] for prompt in conjunction.prompts
    ]
    assert parsed == [[(run.strip(), weight) for run, weight in section] for section in weighted_sections(text)]


def test_sections_keep_the_text_and_multiply_nested_weights():
    assert weighted_sections("a, ((b) c:1.5) BREAK [d]") == (
        (("a, ", 1.0), ("b", 1.65), (" c", 1.5)),
        (("d", 0.9091),),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("((word:1.2)", "Unclosed '(' in '((word:1.2)'"),
        ("a [word", "Unclosed '[' in '[word'"),
        ("a word) b", "')' in 'a word) b' has no opening '('"),
        ("word]", "']' in 'word]' has no opening '['"),
        ("(word]", "'(' is closed by ']' in '(word]'"),
        ("(word:abc)", "The weight 'abc' in '(word:abc)' is not a number"),
        ("(word:1,5)", "The weight '1,5' in '(word:1,5)' is not a number"),
        ("(word:)", "'(word:)' has a colon but no weight"),
        ("(word:1e9)", "The weight 1e9 in '(word:1e9)' is out of range: use 0 to 10"),
        ("(word:-0.5)", "The weight -0.5 in '(word:-0.5)' is out of range: use 0 to 10"),
        ("(word:10.5)", "The weight 10.5 in '(word:10.5)' is out of range: use 0 to 10, like (word:1.2)."),
        ("(word:inf)", "The weight 'inf' in '(word:inf)' is not a number"),
        ("[cat:dog:0.5]", "A colon inside [...] as in '[cat:dog:0.5]' is AUTOMATIC1111's prompt editing"),
        ("(" * 21 + "a" + ")" * 21, "Brackets nested more than 20 deep at '(a)))"),
    ],
)
def test_bad_syntax_is_refused_with_the_piece_quoted(text, message):
    with pytest.raises(InvalidInput, match="^" + re.escape(message)):
        weighted_sections(text)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("a red cat", "a red cat"),
        ("a (red:1.3) cat", "a red cat"),
        ("((masterpiece)), [blurry], (best quality:1.2)", "masterpiece, blurry, best quality"),
        (r"miku \(cosplay\), \[x\] a\\b", r"miku (cosplay), [x] a\b"),
        ("a cat BREAK a dog", "a cat, a dog"),
        ("a cat, BREAK a dog,", "a cat, a dog"),
        ("(a BREAK b:1.2)", "a, b"),
        ("(style\\: noir:1.2)", "style: noir"),
        ("  (a:1.2)  ", "a"),
    ],
)
def test_strip_weighting(text, plain):
    assert strip_weighting(text) == plain


@pytest.mark.parametrize(
    ("text", "weighted"),
    [
        ("a red cat, 4k, x:y", False),
        ("BREAKFAST at noon, break", False),
        ("a (red) cat", True),
        ("a [red] cat", True),
        (r"miku \(cosplay\)", True),
        ("a cat BREAK a dog", True),
    ],
)
def test_has_weighting(text, weighted):
    assert has_weighting(text) is weighted


def test_for_engine_strips_for_sd3_with_a_note():
    text, notes = for_engine("sd3", "a (red:1.3) cat BREAK [dog]")
    assert text == "a red cat, dog"
    assert notes == ("SD 3.5 does not support prompt weights: (…) and […] were removed, BREAK became a comma.",)
    assert for_engine("sd3", "a red cat") == ("a red cat", ())


@pytest.mark.parametrize("family", ["sdxl", "flux"])
def test_for_engine_keeps_weighted_text_and_refuses_bad_syntax(family):
    assert for_engine(family, "a (red:1.3) cat") == ("a (red:1.3) cat", ())
    with pytest.raises(InvalidInput, match="out of range"):
        for_engine(family, "(word:1e9)")
    with pytest.raises(InvalidInput, match=r"^Negative prompt: '\)' in 'blur\)' has no opening"):
        for_engine(family, "blur)", "Negative prompt")


def test_sd35_takes_text_whose_brackets_are_not_weights_as_written():
    text, notes = for_engine("sd3", "a happy face :) and (word:1e9)")
    assert text == "a happy face :) and (word:1e9)" and "used as written" in notes[0]


def _evaluating(pipeline):
    """The pipeline with every module in eval mode, as ``from_pretrained`` leaves them (T5 has dropout)."""
    for component in pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()
    return pipeline


@pytest.fixture(scope="module")
def sdxl():
    return _evaluating(sdxl_pipeline())


@pytest.fixture(scope="module")
def flux():
    return _evaluating(flux_pipeline())


def test_needs_embeddings(sdxl, flux):
    assert not needs_embeddings(sdxl, "sdxl", "a red cat", "ugly")
    assert not needs_embeddings(sdxl, "sdxl", "a red cat", "")
    assert needs_embeddings(sdxl, "sdxl", "a (red:1.3) cat", "")
    assert needs_embeddings(sdxl, "sdxl", "a red cat", "[ugly]")
    assert needs_embeddings(sdxl, "sdxl", LONG, "")
    assert needs_embeddings(sdxl, "sdxl", "a red cat", LONG)
    assert not needs_embeddings(flux, "flux", "a red cat", "")
    assert not needs_embeddings(flux, "flux", "a red cat", "(ugly)"), "FLUX.1 takes no negative prompt"
    assert needs_embeddings(flux, "flux", "a cat BREAK a dog", "")
    assert needs_embeddings(flux, "flux", LONG, "")
    assert not needs_embeddings(sdxl, "sd3", "a (red:1.3) cat", LONG)


def _sdxl_embeddings(pipeline, prompt, negative=None):
    return prompt_embeddings(pipeline, "sdxl", prompt, negative)


def test_sdxl_weights_of_one_change_nothing_and_others_do(sdxl):
    plain = _sdxl_embeddings(sdxl, "a red cat")
    assert set(plain) == {"prompt_embeds", "pooled_prompt_embeds"}
    same = _sdxl_embeddings(sdxl, "a (red:1.0) cat")
    for name, tensor in plain.items():
        assert torch.allclose(same[name], tensor), name
    weighted = _sdxl_embeddings(sdxl, "a (red:1.5) cat")
    assert not torch.allclose(weighted["prompt_embeds"], plain["prompt_embeds"])
    assert torch.allclose(weighted["pooled_prompt_embeds"], plain["pooled_prompt_embeds"]), "pooled: the plain text"


def test_sdxl_runs_match_compel_reading_its_own_syntax(sdxl):
    text = "a (red:1.5) [cat], ((fluffy)) BREAK on a (sofa:0.5)"
    ours = _sdxl_embeddings(sdxl, text)["prompt_embeds"]
    assert torch.allclose(ours, CompelForSDXL(sdxl)(to_compel(text)).embeds)


def test_sdxl_long_prompt_and_break_take_more_windows(sdxl):
    embeddings = _sdxl_embeddings(sdxl, LONG, "blurry")
    length = embeddings["prompt_embeds"].shape[1]
    assert length > 77 and length % 77 == 0
    assert embeddings["negative_prompt_embeds"].shape == embeddings["prompt_embeds"].shape
    assert embeddings["negative_pooled_prompt_embeds"].shape == embeddings["pooled_prompt_embeds"].shape
    assert _sdxl_embeddings(sdxl, "a cat BREAK a dog")["prompt_embeds"].shape[1] == 2 * 77


def test_flux_embeddings(flux):
    long = prompt_embeddings(flux, "flux", LONG, None)
    assert set(long) == {"prompt_embeds", "pooled_prompt_embeds"}
    assert long["prompt_embeds"].shape[1] > 512
    short = prompt_embeddings(flux, "flux", "a (red:1.5) cat", None, max_sequence_length=256)
    assert short["prompt_embeds"].shape[1] == 256
    broken = prompt_embeddings(flux, "flux", "a cat BREAK a dog", None)["prompt_embeds"]
    assert torch.allclose(broken, prompt_embeddings(flux, "flux", "a cat, a dog", None)["prompt_embeds"])


def _generate(pipeline, embeddings, **options):
    generator = torch.Generator("cpu").manual_seed(0)
    call = {"num_inference_steps": 2, "width": 64, "height": 64, "output_type": "np", "generator": generator}
    return pipeline(**embeddings, **call, **options).images


def test_pipelines_generate_from_the_embeddings(sdxl, flux):
    images = _generate(sdxl, _sdxl_embeddings(sdxl, f"a (red:1.4) cat, {LONG}", "[blurry]"), guidance_scale=5.0)
    assert images.shape == (1, 64, 64, 3) and images.min() >= 0 and images.max() <= 1
    images = _generate(flux, prompt_embeddings(flux, "flux", "a (red:1.4) cat BREAK a dog", None), guidance_scale=3.5)
    assert images.shape == (1, 64, 64, 3) and images.min() >= 0 and images.max() <= 1


@torch.no_grad()
def test_plain_prompts_match_the_pipelines_own_encoding(sdxl, flux):
    """How far routing a plain prompt through compel would move it (both in no-grad mode: the kernels differ)."""
    prompt = "a red cat, sitting on a sofa. soft light"
    ours = _sdxl_embeddings(sdxl, prompt, "blurry")
    embeds, negative, pooled, negative_pooled = sdxl.encode_prompt(prompt, negative_prompt="blurry", device="cpu")
    theirs = {
        "prompt_embeds": embeds,
        "negative_prompt_embeds": negative,
        "pooled_prompt_embeds": pooled,
        "negative_pooled_prompt_embeds": negative_pooled,
    }
    for name, tensor in theirs.items():
        assert (ours[name] - tensor).abs().max() <= 1e-6, name
    ours = prompt_embeddings(flux, "flux", prompt, None)
    embeds, pooled, _ = flux.encode_prompt(prompt, prompt_2=None, device="cpu")
    assert (ours["prompt_embeds"] - embeds).abs().max() <= 1e-6
    assert (ours["pooled_prompt_embeds"] - pooled).abs().max() <= 1e-6


def brick_pixels(workspace, **values):
    """The first image of a Generate run on ``values`` (tiny model, 2 steps, 64²), as an array."""
    import numpy as np
    from PIL import Image
    from support.running import run

    result = run(workspace, "generate", **{"seed": 4, "steps": 2, "width": 64, "height": 64, **values})
    with Image.open(result.paths[0]) as image:
        return np.asarray(image.convert("RGB")).astype(int), result


@pytest.mark.parametrize("model", ["demo-sdxl", "demo-flux"])
def test_a_weight_changes_the_image_and_weight_one_is_the_plain_prompt(workspace, model):
    import numpy as np

    plain, _ = brick_pixels(workspace, model=model, prompt="a red lighthouse")
    neutral, _ = brick_pixels(workspace, model=model, prompt="a (red:1.0) lighthouse")
    weighted, _ = brick_pixels(workspace, model=model, prompt="a (red:1.8) lighthouse")
    assert np.array_equal(plain, neutral), "through compel, a weight of 1 is the plain prompt's pixels"
    assert np.abs(weighted - plain).max() > 0, "a weight changes what the model sees"


def test_words_past_77_tokens_still_change_the_image(workspace):
    import numpy as np

    head = " ".join(f"word{index % 10}" for index in range(90))
    one, _ = brick_pixels(workspace, model="demo-sdxl", prompt=f"{head} lighthouse")
    other, _ = brick_pixels(workspace, model="demo-sdxl", prompt=f"{head} submarine")
    assert np.abs(one - other).mean() > 0.05


def test_sd35_removes_the_weights_and_says_so(workspace):
    import numpy as np

    weighted, result = brick_pixels(workspace, model="demo-sd3", prompt="a (red:1.5) lighthouse BREAK [fog]")
    plain, _ = brick_pixels(workspace, model="demo-sd3", prompt="a red lighthouse, fog")
    assert any("does not support prompt weights" in note for note in result.notes)
    assert np.array_equal(weighted, plain)
    assert result.parameters["prompt"] == "a (red:1.5) lighthouse BREAK [fog]"


def test_sd3_says_what_its_encoders_read_of_a_long_prompt_and_widens_t5_only_then(workspace):
    short = run(workspace, "generate", prompt="a red kite", model="demo-sd3", width=64, height=64, steps=1, seed=2)
    assert not [note for note in short.notes if "tokens long" in note]
    long_prompt = ", ".join(f"a red kite number {index} over the hills" for index in range(40))
    result = run(workspace, "generate", prompt=long_prompt, model="demo-sd3", width=64, height=64, steps=1, seed=2)
    clip_note = next(note for note in result.notes if "CLIP tokens long" in note)
    assert "SD 3.5's CLIP encoders read its first 77" in clip_note
    assert "its T5 encoder reads all" in clip_note or any("T5 encoder reads its first 512" in n for n in result.notes)
