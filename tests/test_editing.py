"""Editing bricks on each tiny engine: img2img, inpainting, outpainting, the tiled upscaler."""

import threading

import numpy as np
import pytest
from PIL import Image, ImageFilter
from support.running import run

from qpyt_gradio.bricks.contract import Job
from qpyt_gradio.errors import GenerationCancelled, InvalidInput
from qpyt_gradio.generation.editing import working_size
from qpyt_gradio.generation.inpainting import feathered
from qpyt_gradio.generation.outpainting import Extension, extended_canvas, extension_for_aspect
from qpyt_gradio.generation.upscaling import tile_starts, tile_weights
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
    return {"prompt": "a cat", "model": model, "strength": 0.6, "steps": 3, "seed": 5, **changes}


@pytest.mark.parametrize("model", ENGINES)
def test_img2img_keeps_the_source_size_and_records_it_by_hash(workspace, source, model):
    result = run(workspace, "img2img", image=str(source), **params(model, num_images=2))
    assert [Image.open(path).size for path in result.paths] == [(150, 100)] * 2
    stored = read_parameters(result.paths[1])
    assert (stored["brick"], stored["strength"], stored["seed"], stored["engine"]) == ("img2img", 0.6, 6, model[5:])
    assert len(stored["source_sha256"]) == 64 and "image" not in stored
    assert stored["workflow"]["steps"][0]["input"] == {"image": {"sha256": stored["source_sha256"]}}
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
    workspace, source, mask, model, only_masked
):
    options = {"mask_blur": 8, "only_masked": only_masked, "padding": 16}
    result = run(workspace, "inpaint", image=str(source), mask=str(mask), **params(model, strength=1.0), **options)
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


def test_inpainting_masks_that_need_a_word(workspace, source, mask, tmp_path):
    def inpaint(mask_path, **options):
        return run(workspace, "inpaint", image=str(source), mask=mask_path, **params("demo-sdxl"), **options)

    with pytest.raises(InvalidInput, match="No mask"):
        inpaint(None)
    empty = tmp_path / "empty.png"
    Image.new("L", (150, 100), 0).save(empty)
    with pytest.raises(InvalidInput, match="The mask is empty: nothing to inpaint"):
        inpaint(str(empty))
    full = tmp_path / "full.png"
    Image.new("L", (150, 100), 255).save(full)
    result = inpaint(str(full))
    assert any("covers the whole image" in note for note in result.parameters["notes"])
    small = tmp_path / "small.png"
    Image.open(mask).resize((75, 50)).save(small)
    result = inpaint(str(small))
    assert "The mask was 75×50; it was resized to the image's 150×100." in result.parameters["notes"]
    painted = Image.new("RGBA", (150, 100), (0, 0, 0, 0))
    painted.paste((255, 0, 0, 255), (10, 10, 30, 30))
    painted.save(tmp_path / "painted.png")
    result = inpaint(str(tmp_path / "painted.png"), mask_blur=0)
    changed = np.abs(pixels(result.paths[0]) - pixels(source)).sum(axis=2) > 0
    assert changed[10:30, 10:30].any() and not changed[40:, 40:].any()


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "CMYK", "I;16"])
def test_sources_of_any_mode_are_converted(workspace, tmp_path, mode):
    path = tmp_path / f"source.{'jpg' if mode == 'CMYK' else 'png'}"
    Image.new(mode, (80, 64)).save(path)
    result = run(workspace, "img2img", image=str(path), **params("demo-sd3", steps=2))
    assert Image.open(result.paths[0]).mode == "RGB"


def test_tiny_or_missing_sources_are_refused(workspace, tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1)).save(tiny)
    with pytest.raises(InvalidInput, match="The image is 1×1: use one of at least 16×16"):
        run(workspace, "img2img", image=str(tiny), **params("demo-sdxl"))
    with pytest.raises(InvalidInput, match="No image to redraw"):
        run(workspace, "img2img", image=None, **params("demo-sdxl"))


@pytest.mark.parametrize("model", ENGINES)
def test_outpainting_keeps_the_original_outside_the_overlap_band_and_fills_the_new_area(workspace, source, model):
    extension = {"left": 40, "right": 24, "top": 16, "overlap": 8}
    result = run(workspace, "outpaint", image=str(source), **params(model, strength=1.0), **extension)
    out, original = pixels(result.paths[0]), pixels(source)
    assert out.shape == (116, 214, 3)
    band = 8 + 16
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


def test_outpaint_bad_input(workspace, source):
    with pytest.raises(InvalidInput, match="Nothing to outpaint"):
        run(workspace, "outpaint", image=str(source), **params("demo-sdxl"))
    with pytest.raises(InvalidInput, match="Pre-fill 'smear' is unknown: use one of reflect, stretch"):
        run(workspace, "outpaint", image=str(source), left=8, fill="smear", **params("demo-sdxl"))
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
def test_upscaling_awkward_sizes(workspace, tmp_path, model):
    path = tmp_path / "wide.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (37, 111, 3), dtype=np.uint8)).save(path)
    progress = []

    class Tiles:
        def step(self, done, total, preview, unit="step"):
            progress.append((done, total, preview().size))

    job = Job(reporter=Tiles())
    result = run(workspace, "upscale", job, image=str(path), scale=3.0, **params(model, prompt="", strength=0.3))
    out = Image.open(result.paths[0])
    assert out.size == (333, 111)
    stored = read_parameters(result.paths[0])
    assert stored["tiles"] == len(progress) == progress[-1][1] and stored["prompt"] == "highly detailed, sharp focus"
    assert [done for done, _, _ in progress] == list(range(1, len(progress) + 1))
    assert "Steps raised from 3 to 4: strength 0.3 must run at least one step." in result.parameters["notes"]


def test_upscale_limits_are_checked_before_any_work(workspace, registry, source, tmp_path):
    with pytest.raises(InvalidInput, match="largest side allowed is 8192"):
        Image.new("RGB", (3000, 100)).save(tmp_path / "wide.png")
        run(workspace, "upscale", image=str(tmp_path / "wide.png"), scale=4.0, **params("demo-sdxl"))
    assert registry.load_counts["demo-sdxl"] == 0
    with pytest.raises(InvalidInput, match="Overlap 70 must be less than half the tile size"):
        run(workspace, "upscale", image=str(source), scale=2.0, tile=128, overlap=70, **params("demo-sdxl"))
    with pytest.raises(InvalidInput, match="Scale 5 is out of range"):
        run(workspace, "upscale", image=str(source), scale=5.0, **params("demo-sdxl"))
    with pytest.raises(InvalidInput, match="Tile size 10 is out of range: use 64 to 4096"):
        run(workspace, "upscale", image=str(source), tile=10, **params("demo-sdxl"))


def test_cancel_stops_between_tiles(workspace, source, tmp_path):
    cancel = threading.Event()

    class StopAfterTwo:
        def step(self, done, total, preview, unit="step"):
            if done == 2:
                cancel.set()

    job = Job(cancel=cancel, reporter=StopAfterTwo())
    with pytest.raises(GenerationCancelled, match="after tile 2 of"):
        run(workspace, "upscale", job, image=str(source), scale=2.0, **params("demo-sdxl"))
    assert not list(tmp_path.rglob("*-highly*.png")) and not list(tmp_path.rglob("*-a-cat.png"))


def test_a_send_takes_the_selected_gallery_image_or_the_first():
    from qpyt_gradio.ui.send import picked

    images = [("/outputs/a.png", None), ("/outputs/b.png", "seed 2")]
    assert picked(images, 1) == "/outputs/b.png"
    assert picked(images, 0) == "/outputs/a.png"
    assert picked(images, 5) == "/outputs/a.png", "a position from an earlier, longer result falls back"
    assert picked(images, None) == "/outputs/a.png"
    assert picked([], 0) is None and picked(None, 0) is None
