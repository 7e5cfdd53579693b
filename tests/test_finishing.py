"""Finishing bricks: background removal (rembg, tiny ONNX model), vectorization (vtracer), retouching."""

import threading
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter
from support.running import run

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.bricks.retouch import RetouchRequest
from qpyt_gradio.errors import InvalidInput, ModelUnavailable
from qpyt_gradio.finishing.background import background_specs
from qpyt_gradio.finishing.retouch import adjust
from qpyt_gradio.finishing.vectorize import PRESETS, estimate_bytes, run_trace
from qpyt_gradio.metadata import read_parameters


def remove_background(workspace, image, model, output, color, alpha_matting):
    return run(
        workspace,
        "remove_background",
        image=image and str(image),
        background_model=model,
        output=output,
        color=color,
        alpha_matting=alpha_matting,
    )


def vectorize(workspace, image, preset="illustration", **values):
    return run(workspace, "vectorize", image=str(image), preset=preset, **values)


def retouch(workspace, image, **values):
    return run(workspace, "retouch", image=str(image), **values)


@pytest.fixture()
def half(tmp_path):
    """Left half black, right half white: the tiny segmenter keeps the bright half."""
    pixels = np.zeros((90, 160, 3), np.uint8)
    pixels[:, 80:] = 255
    path = tmp_path / "half.png"
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture()
def logo(tmp_path):
    image = Image.new("RGB", (512, 512), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 60, 450, 450), fill=(200, 30, 30))
    draw.rectangle((220, 20, 290, 500), fill=(20, 30, 120))
    draw.ellipse((150, 150, 200, 200), fill=(250, 200, 0))
    path = tmp_path / "logo.png"
    image.save(path)
    return path


@pytest.mark.parametrize("output", ["transparent", "mask", "color"])
def test_each_output_mode_takes_its_alpha_from_the_model(workspace, half, output):
    result = remove_background(workspace, half, "isnet-general-use", output, "#00ff00", False)
    image = Image.open(result.paths[0])
    pixels = np.asarray(image)
    if output == "transparent":
        assert image.mode == "RGBA" and pixels[45, 10, 3] == 0 and pixels[45, 150, 3] == 255
    elif output == "mask":
        assert image.mode == "L" and pixels[45, 10] == 0 and pixels[45, 150] == 255
    else:
        assert pixels[45, 10].tolist() == [0, 255, 0] and pixels[45, 150].tolist() == [255, 255, 255]
    stored = read_parameters(result.paths[0])
    assert (stored["brick"], stored["output"], stored["background_model"]) == (
        "remove_background",
        output,
        "isnet-general-use",
    )


def test_alpha_matting_and_other_models(workspace, half):
    for model in ("u2net", "birefnet-general", "bria-rmbg"):
        result = remove_background(workspace, half, model, "mask", "", True)
        pixels = np.asarray(Image.open(result.paths[0]))
        assert pixels[45, 5] < 20 and pixels[45, 155] > 235


def test_background_bad_input(workspace, half, tmp_path):
    with pytest.raises(InvalidInput, match="Background model 'sam' is unknown: use one of isnet-general-use, u2net"):
        remove_background(workspace, half, "sam", "mask", "", False)
    with pytest.raises(InvalidInput, match="Colour 'teal' is not of the form #rrggbb"):
        remove_background(workspace, half, "u2net", "color", "teal", False)
    with pytest.raises(InvalidInput, match="No image to cut out"):
        remove_background(workspace, None, "u2net", "mask", "", False)
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(InvalidInput, match="is not an image"):
        remove_background(workspace, text, "u2net", "mask", "", False)
    transparent = tmp_path / "already.png"
    rgba = Image.open(half).convert("RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 128))
    rgba.save(transparent)
    result = remove_background(workspace, transparent, "u2net", "mask", "", False)
    assert np.asarray(Image.open(result.paths[0]))[45, 150] == 128
    assert any("already transparent" in note for note in result.parameters["notes"])
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1), "white").save(tiny)
    with pytest.raises(InvalidInput, match=r"The image \(1×1\) is one flat colour: there is no subject to cut out"):
        remove_background(workspace, tiny, "u2net", "mask", "", False)
    flat_logo = tmp_path / "flat-logo.png"
    shape = Image.new("L", (64, 48), 0)
    ImageDraw.Draw(shape).ellipse((8, 8, 56, 40), fill=255)
    Image.merge("RGBA", (*Image.new("RGB", (64, 48), "white").split(), shape)).save(flat_logo)
    kept = remove_background(workspace, flat_logo, "u2net", "mask", "", False)
    assert np.array_equal(np.asarray(Image.open(kept.paths[0])), np.asarray(shape))
    small = tmp_path / "small.png"
    two = Image.new("RGB", (2, 1), "white")
    two.putpixel((1, 0), (0, 0, 0))
    two.save(small)
    assert Image.open(remove_background(workspace, small, "u2net", "mask", "", False).paths[0]).size == (2, 1)


def test_a_huge_image_is_downscaled_and_said_so(workspace, tmp_path):
    path = tmp_path / "huge.png"
    huge = Image.new("RGB", (12000, 12000), "white")
    ImageDraw.Draw(huge).ellipse((3000, 3000, 9000, 9000), fill="black")
    huge.save(path, compress_level=1)
    result = remove_background(workspace, path, "u2net", "mask", "", False)
    assert Image.open(result.paths[0]).size == (4096, 4096)
    assert result.parameters["notes"] == ["The image was 12000×12000; it was downscaled to 4096×4096."]


def test_a_missing_model_offline_says_which_file_to_put_where(workspace, half, tmp_path):
    home = tmp_path / "rembg-home"
    registry = workspace.registry
    for spec in background_specs(home, demo=False):
        registry.register_helper(spec)
    expected = str(home / "models" / "u2net")
    with pytest.raises(ModelUnavailable, match=f"Put u2net.onnx in {expected}"):
        remove_background(workspace, half, "u2net", "mask", "", False)
    for spec in background_specs(home, demo=True):
        registry.register_helper(spec)
    assert remove_background(workspace, half, "u2net", "mask", "", False).paths


def test_svg_parses_has_paths_and_carries_its_parameters(workspace, logo):
    result = vectorize(workspace, logo, "logo")
    root = ElementTree.parse(result.paths[0]).getroot()
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == result.parameters["paths"] >= 4
    metadata = root.find("{http://www.w3.org/2000/svg}metadata")
    assert '"brick": "vectorize"' in metadata.text and result.paths[0].suffix == ".svg"
    assert '"workflow_step": 1' in metadata.text and result.holds.value == "svg"
    assert result.parameters["bytes"] == result.paths[0].stat().st_size


def test_settings_move_the_svg_the_way_they_say(workspace, logo, tmp_path):
    soft = Image.open(logo).filter(ImageFilter.GaussianBlur(3))
    soft_path = tmp_path / "soft.png"
    soft.save(soft_path)
    few = vectorize(workspace, soft_path, color_precision=2, layer_difference=64).parameters
    many = vectorize(workspace, soft_path, color_precision=8, layer_difference=4).parameters
    assert many["colors"] > few["colors"] and many["bytes"] > few["bytes"]
    speckled = tmp_path / "speckled.png"
    noisy = np.asarray(Image.open(logo)).copy()
    rng = np.random.default_rng(5)
    noisy[rng.integers(0, 512, 400), rng.integers(0, 512, 400)] = 0
    Image.fromarray(noisy).save(speckled)
    kept = vectorize(workspace, speckled, filter_speckle=0).parameters
    filtered = vectorize(workspace, speckled, filter_speckle=8).parameters
    assert filtered["paths"] < kept["paths"]
    binary = vectorize(workspace, logo, colormode="binary").parameters
    assert binary["colors"] <= 1
    reduced = vectorize(workspace, soft_path, color_precision=8, colors=4, max_side=128).parameters
    assert reduced["width"] == 128 and reduced["colors"] <= 4


def test_noise_is_capped_with_a_message_not_a_hang(workspace, tmp_path, monkeypatch):
    import qpyt_gradio.finishing.vectorize as vectorizing

    path = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (1024, 1024, 3), dtype=np.uint8)).save(path)
    with pytest.raises(InvalidInput, match=r"about \d+ MB\. Try the photo preset"):
        vectorize(workspace, path)
    monkeypatch.setattr(vectorizing, "TIME_LIMIT_S", 0.5)
    with pytest.raises(InvalidInput, match=r"took more than 0\.5 s and was stopped"):
        vectorize(workspace, path, force=True)
    monkeypatch.undo()
    assert not list(tmp_path.rglob("*.svg"))
    photo = vectorize(workspace, path, "photo", max_side=256, colors=16).parameters
    assert photo["bytes"] < 5 * 1024**2


def test_a_small_image_is_traced_once_and_judged_on_its_real_size(workspace, logo, tmp_path, monkeypatch):
    import qpyt_gradio.finishing.vectorize as vectorizing

    traced = []
    real_trace = vectorizing.run_trace
    monkeypatch.setattr(vectorizing, "run_trace", lambda *args: traced.append(args[0].size) or real_trace(*args))
    vectorize(workspace, logo, "logo")
    assert traced == [(512, 512)]
    path = tmp_path / "small-noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (400, 400, 3), dtype=np.uint8)).save(path)
    finest = {"filter_speckle": 0, "color_precision": 8, "layer_difference": 0}
    with pytest.raises(InvalidInput, match=r"about 1[0-9] MB\. Try the photo preset"):
        vectorize(workspace, path, **finest)
    assert traced[1:] == [(400, 400)] and len(list(tmp_path.rglob("*.svg"))) == 1


@pytest.mark.parametrize("preset", ["illustration", "photo"])
def test_the_size_estimate_from_full_resolution_samples_is_close(preset):
    blocks = np.random.default_rng(1).integers(0, 256, (180, 180, 3), dtype=np.uint8)
    textured = Image.fromarray(blocks).resize((720, 720), Image.Resampling.NEAREST)
    actual = len(run_trace(textured, PRESETS[preset]).encode())
    assert 0.8 < estimate_bytes(textured, PRESETS[preset]) / actual < 1.25


def test_bad_tracing_values(workspace, logo):
    with pytest.raises(InvalidInput, match="Colour precision 9 is out of range"):
        vectorize(workspace, logo, color_precision=9)
    with pytest.raises(InvalidInput, match="Curves 'bezier' is unknown: use one of spline, polygon"):
        vectorize(workspace, logo, mode="bezier")


@pytest.fixture()
def photo(tmp_path):
    gradient = np.linspace(40, 200, 96)[None, :, None] * np.ones((64, 1, 3))
    noise = np.random.default_rng(9).normal(0, 12, (64, 96, 3))
    pixels = np.clip(gradient + noise + [[[20, 0, -20]]], 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def laplacian_variance(image):
    return np.asarray(image.convert("L").filter(ImageFilter.FIND_EDGES), float).var()


def saturation(image):
    return np.asarray(image.convert("HSV"), float)[..., 1].mean()


def test_each_adjustment_moves_the_statistics_the_right_way(photo):
    def moved(**change):
        return adjust(photo, RetouchRequest(**change))

    mean, spread = np.asarray(photo, float).mean(), np.asarray(photo, float).std()
    assert np.asarray(moved(brightness=40), float).mean() > mean
    assert np.asarray(moved(brightness=-40), float).mean() < mean
    assert np.asarray(moved(contrast=50), float).std() > spread
    assert saturation(moved(saturation=60)) > saturation(photo) > saturation(moved(saturation=-60))
    assert laplacian_variance(moved(sharpness=80)) > laplacian_variance(photo) > laplacian_variance(moved(blur=2))
    warm, cool = np.asarray(moved(warmth=60), float), np.asarray(moved(warmth=-60), float)
    original = np.asarray(photo, float)
    assert (warm[..., 0] - warm[..., 2]).mean() > (original[..., 0] - original[..., 2]).mean()
    assert (cool[..., 0] - cool[..., 2]).mean() < (original[..., 0] - original[..., 2]).mean()
    dull = Image.fromarray((np.asarray(photo) // 2 + 64).astype(np.uint8))
    levelled = np.asarray(adjust(dull, RetouchRequest(auto_levels=True)))
    assert levelled.min() < np.asarray(dull).min() and levelled.max() > np.asarray(dull).max()
    assert laplacian_variance(moved(denoise=1)) < laplacian_variance(photo)


def test_reset_gives_back_the_original_exactly_and_apply_makes_a_new_image(workspace, photo, tmp_path):
    path = tmp_path / "photo.png"
    photo.save(path)
    assert np.array_equal(np.asarray(adjust(photo, RetouchRequest())), np.asarray(photo))
    result = retouch(workspace, path, brightness=30, warmth=20)
    assert result.paths[0] != path and np.array_equal(np.asarray(Image.open(path)), np.asarray(photo))
    stored = read_parameters(result.paths[0])
    assert (stored["brick"], stored["brightness"], stored["warmth"]) == ("retouch", 30.0, 20.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"brightness": 150}, "Brightness 150 is out of range"),
        ({"blur": -1}, "Blur -1 is out of range"),
        ({"denoise": 9}, "Denoise 9 is out of range"),
    ],
)
def test_retouch_values_out_of_range(workspace, photo, tmp_path, change, message):
    path = tmp_path / "photo.png"
    photo.save(path)
    with pytest.raises(InvalidInput, match=message):
        retouch(workspace, path, **change)
    assert retouch(workspace, path, contrast=10).paths


@pytest.mark.parametrize("model", ["demo-sdxl", "demo-flux", "demo-sd3"])
def test_ai_cleanup_is_a_low_strength_img2img_on_each_engine(workspace, photo, tmp_path, model):
    path = tmp_path / "photo.png"
    photo.save(path)
    result = run(
        workspace, "img2img", image=str(path), prompt="clean, sharp, high quality", model=model, strength=0.25, seed=3
    )
    assert Image.open(result.paths[0]).size == photo.size and result.parameters["strength"] == 0.25


class Notices:
    """A reporter that keeps the job's notices."""

    def __init__(self) -> None:
        self.notices: list[str] = []

    def step(self, done, total, preview, unit="step"):
        pass

    def text(self, partial):
        pass

    def notice(self, text):
        self.notices.append(text)


def test_a_cut_out_before_rembg_is_imported_says_what_it_waits_for(workspace, half, monkeypatch):
    from qpyt_gradio.finishing import background

    monkeypatch.setattr(background, "_IMPORTED", threading.Event())  # as in a fresh process
    first, then = Notices(), Notices()
    run(workspace, "remove_background", Job(reporter=first), image=str(half))
    run(workspace, "remove_background", Job(reporter=then), image=str(half))
    assert first.notices == [background.FIRST_IMPORT] and then.notices == []


def test_the_warm_up_at_start_indexes_the_history_and_imports_rembg(workspace, monkeypatch):
    from qpyt_gradio.cli import warm_up
    from qpyt_gradio.finishing import background
    from qpyt_gradio.history.index import HistoryIndex

    made = workspace.outputs_dir / "2026-11-28"
    made.mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(made / "earlier.png")
    monkeypatch.setattr(background, "_IMPORTED", threading.Event())
    warm_up(workspace).join(timeout=300)
    assert background.rembg_ready()
    assert HistoryIndex(workspace.outputs_dir).refresh() == 0, "the index on disk already lists the output"
