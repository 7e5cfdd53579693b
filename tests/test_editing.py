"""Editing bricks on each tiny engine: img2img, inpainting, outpainting, the tiled upscaler."""

import threading

import numpy as np
import pytest
from PIL import Image, ImageFilter

from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.generation.editing import EditParams, img2img, working_size
from qpyt_gradio.generation.inpainting import InpaintOptions, feathered, inpaint
from qpyt_gradio.generation.outpainting import Extension, extended_canvas, extension_for_aspect, outpaint
from qpyt_gradio.generation.upscaling import Tiling, tile_starts, tile_weights, upscale
from qpyt_gradio.metadata import read_parameters

ENGINES = ["demo-sdxl", "demo-flux", "demo-sd3"]


@pytest.fixture()
def source(tmp_path):
    path = tmp_path / "source.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (100, 150, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture()
def mask(tmp_path):
    image = Image.new("L", (150, 100), 0)
    image.paste(255, (60, 30, 100, 70))
    path = tmp_path / "mask.png"
    image.save(path)
    return path


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def params(model, **changes):
    return EditParams(**{"prompt": "a cat", "model": model, "strength": 0.6, "steps": 3, "seed": 5, **changes})


@pytest.mark.parametrize("model", ENGINES)
def test_img2img_keeps_the_source_size_and_records_it_by_hash(registry, source, tmp_path, model):
    result = img2img(registry, source, params(model, num_images=2), tmp_path, 2048)
    assert [Image.open(path).size for path in result.paths] == [(150, 100)] * 2
    stored = read_parameters(result.paths[1])
    assert (stored["brick"], stored["strength"], stored["seed"], stored["engine"]) == ("img2img", 0.6, 6, model[5:])
    assert len(stored["source_sha256"]) == 64 and "image" not in stored
    assert any("resized back to 150×100" in note for note in result.parameters["notes"])
    assert np.abs(pixels(result.paths[0]) - pixels(source)).mean() > 1


def test_working_sizes_keep_the_aspect_ratio():
    assert working_size(150, 100, 8, 2048) == (152, 104)
    assert working_size(4000, 3000, 16, 2048) == (2048, 1536)
    assert working_size(20, 20, 16, 2048) == (64, 64)
    with pytest.raises(InvalidInput, match="too elongated"):
        working_size(8000, 20, 16, 2048)


@pytest.mark.parametrize("model", ENGINES)
@pytest.mark.parametrize("only_masked", [False, True])
def test_inpainting_leaves_pixels_outside_mask_and_feather_exactly_as_they_were(
    registry, source, mask, tmp_path, model, only_masked
):
    options = InpaintOptions(mask_blur=8, only_masked=only_masked, padding=16)
    result = inpaint(registry, source, mask, params(model, strength=1.0), options, tmp_path, 2048)
    out, original = pixels(result.paths[0]), pixels(source)
    far = np.asarray(Image.open(mask).filter(ImageFilter.MaxFilter(2 * 8 + 1))) == 0
    assert np.array_equal(out[far], original[far])
    inside = np.asarray(Image.open(mask)) == 255
    assert np.abs(out[inside] - original[inside]).mean() > 5


def test_the_feather_band_has_an_exact_reach():
    mask = Image.new("L", (64, 48), 0)
    mask.paste(255, (0, 10, 20, 30))
    alpha = np.asarray(feathered(mask, 10))
    assert (alpha[10:30, :20] == 255).all()
    assert (alpha[10:30, 20:30] > 0).all() and (alpha[:, 31:] == 0).all()
    assert list(alpha[20, 19:31]) == sorted(alpha[20, 19:31], reverse=True)


def test_inpainting_masks_that_need_a_word(registry, source, mask, tmp_path):
    with pytest.raises(InvalidInput, match="No mask"):
        inpaint(registry, source, None, params("demo-sdxl"), InpaintOptions(), tmp_path, 2048)
    empty = tmp_path / "empty.png"
    Image.new("L", (150, 100), 0).save(empty)
    with pytest.raises(InvalidInput, match="The mask is empty: nothing to inpaint"):
        inpaint(registry, source, empty, params("demo-sdxl"), InpaintOptions(), tmp_path, 2048)
    full = tmp_path / "full.png"
    Image.new("L", (150, 100), 255).save(full)
    result = inpaint(registry, source, full, params("demo-sdxl"), InpaintOptions(), tmp_path, 2048)
    assert any("covers the whole image" in note for note in result.parameters["notes"])
    small = tmp_path / "small.png"
    Image.open(mask).resize((75, 50)).save(small)
    result = inpaint(registry, source, small, params("demo-sdxl"), InpaintOptions(), tmp_path, 2048)
    assert "The mask was 75×50; it was resized to the image's 150×100." in result.parameters["notes"]
    painted = Image.new("RGBA", (150, 100), (0, 0, 0, 0))
    painted.paste((255, 0, 0, 255), (10, 10, 30, 30))
    result = inpaint(registry, source, painted, params("demo-sdxl"), InpaintOptions(mask_blur=0), tmp_path, 2048)
    changed = np.abs(pixels(result.paths[0]) - pixels(source)).sum(axis=2) > 0
    assert changed[10:30, 10:30].any() and not changed[40:, 40:].any()


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "CMYK", "I;16"])
def test_sources_of_any_mode_are_converted(registry, tmp_path, mode):
    path = tmp_path / f"source.{'jpg' if mode == 'CMYK' else 'png'}"
    Image.new(mode, (80, 64)).save(path)
    result = img2img(registry, path, params("demo-sd3", steps=2), tmp_path, 2048)
    assert Image.open(result.paths[0]).mode == "RGB"


def test_tiny_or_missing_sources_are_refused(registry, tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1)).save(tiny)
    with pytest.raises(InvalidInput, match="The image is 1×1: use one of at least 16×16"):
        img2img(registry, tiny, params("demo-sdxl"), tmp_path, 2048)
    with pytest.raises(InvalidInput, match="No image to redraw"):
        img2img(registry, None, params("demo-sdxl"), tmp_path, 2048)


@pytest.mark.parametrize("model", ENGINES)
def test_outpainting_keeps_the_original_outside_the_overlap_band_and_fills_the_new_area(
    registry, source, tmp_path, model
):
    extension = Extension(left=40, right=24, top=16, overlap=8)
    result = outpaint(registry, source, params(model, strength=1.0), extension, tmp_path, 2048, mask_blur=8)
    out, original = pixels(result.paths[0]), pixels(source)
    assert out.shape == (116, 214, 3)
    band = 8 + 8
    kept = out[16 + band : 16 + 100, 40 + band : 40 + 150 - band]
    assert np.array_equal(kept, original[band:, band : 150 - band])
    new_area = out[:, :40]
    assert new_area.std() > 5 and len(np.unique(new_area.reshape(-1, 3), axis=0)) > 50


def test_outpaint_fill_and_aspect():
    image = Image.fromarray(np.random.default_rng(2).integers(0, 255, (40, 60, 3), dtype=np.uint8))
    for fill in ("reflect", "stretch"):
        canvas = np.asarray(extended_canvas(image, Extension(left=100, bottom=90, fill=fill)))
        assert canvas.shape == (130, 160, 3) and canvas[:, :100].std() > 1
        assert np.array_equal(canvas[:40, 100:], np.asarray(image))
    assert extension_for_aspect(1000, 1000, "16:9") == Extension(left=389, right=389)
    assert extension_for_aspect(1600, 900, "1:1") == Extension(top=350, bottom=350)


def test_outpaint_bad_input(registry, source, tmp_path):
    with pytest.raises(InvalidInput, match="Nothing to outpaint"):
        outpaint(registry, source, params("demo-sdxl"), Extension(), tmp_path, 2048)
    with pytest.raises(InvalidInput, match="not of the form 16:9"):
        extension_for_aspect(10, 10, "wide")


@pytest.mark.parametrize(
    ("length", "tile", "overlap"), [(1000, 256, 32), (333, 128, 16), (3000, 1024, 128), (96, 128, 16)]
)
def test_the_tile_grid_covers_every_pixel_with_positive_weight(length, tile, overlap):
    size = min(tile, length)
    starts = tile_starts(length, size, overlap)
    total = np.zeros(length)
    for index, start in enumerate(starts):
        total[start : start + size] += tile_weights(starts, index, size)
        if index:
            assert starts[index - 1] + size - start >= overlap
    assert starts[0] == 0 and starts[-1] + size == length and (total > 0).all()


@pytest.mark.parametrize("model", ENGINES)
def test_upscaling_awkward_sizes(registry, tmp_path, model):
    path = tmp_path / "wide.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (37, 111, 3), dtype=np.uint8)).save(path)
    progress = []

    class Tiles:
        def step(self, done, total, preview):
            progress.append((done, total, preview().size))

    result = upscale(registry, path, params(model, prompt="", strength=0.3), Tiling(3.0), tmp_path, 2048, Tiles())
    out = Image.open(result.paths[0])
    assert out.size == (333, 111)
    stored = read_parameters(result.paths[0])
    assert stored["tiles"] == len(progress) == progress[-1][1] and stored["prompt"] == "highly detailed, sharp focus"
    assert [done for done, _, _ in progress] == list(range(1, len(progress) + 1))
    assert "Steps raised from 3 to 4: strength 0.3 must run at least one step." in result.parameters["notes"]


def test_upscale_limits_are_checked_before_any_work(registry, source, tmp_path):
    with pytest.raises(InvalidInput, match="largest side allowed is 8192"):
        Image.new("RGB", (3000, 100)).save(tmp_path / "wide.png")
        upscale(registry, tmp_path / "wide.png", params("demo-sdxl"), Tiling(4.0), tmp_path, 2048)
    assert registry.load_counts["demo-sdxl"] == 0
    with pytest.raises(InvalidInput, match="Overlap 70 must be less than half the tile size"):
        upscale(registry, source, params("demo-sdxl"), Tiling(2.0, tile=128, overlap=70), tmp_path, 2048)
    with pytest.raises(InvalidInput, match="Scale 5 is out of range"):
        upscale(registry, source, params("demo-sdxl"), Tiling(5.0), tmp_path, 2048)


def test_cancel_stops_between_tiles(registry, source, tmp_path):
    cancel = threading.Event()

    class StopAfterTwo:
        def step(self, done, total, preview):
            if done == 2:
                cancel.set()

    with pytest.raises(GenerationCancelled, match="after tile 2 of"):
        upscale(registry, source, params("demo-sdxl"), Tiling(2.0), tmp_path, 2048, StopAfterTwo(), cancel)
    assert not list(tmp_path.rglob("*-highly*.png")) and not list(tmp_path.rglob("*-a-cat.png"))


def test_a_send_takes_the_selected_gallery_image_or_the_first():
    from qpyt_gradio.ui.send import picked

    images = [("/outputs/a.png", None), ("/outputs/b.png", "seed 2")]
    assert picked(images, 1) == "/outputs/b.png"
    assert picked(images, 0) == "/outputs/a.png"
    assert picked(images, 5) == "/outputs/a.png", "a position from an earlier, longer result falls back"
    assert picked(images, None) == "/outputs/a.png"
    assert picked([], 0) is None and picked(None, 0) is None
