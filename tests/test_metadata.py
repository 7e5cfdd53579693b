"""PNG parameters: A1111 text and Qpyt JSON written and read back (the A1111 text by sd-parsers, as other tools
read it), and recalled into the Generate brick."""

import threading

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from support.a1111_reader import a1111_settings

from qpyt_gradio.image_parameters import read_image_parameters
from qpyt_gradio.metadata import a1111_text, png_info, read_parameters
from qpyt_gradio.outputs import save_png, slug
from qpyt_gradio.ui.recall import recall_from_image

PARAMETERS = {
    "prompt": "a cat, sitting: on a chair\nsecond line",
    "negative_prompt": "blurry, low quality",
    "model": "demo-sdxl",
    "width": 128,
    "height": 96,
    "steps": 4,
    "guidance": 6.5,
    "seed": 123,
    "sampler": "Euler",
    "num_images": 1,
}

A1111_SAMPLE = (
    "masterpiece, (best quality:1.2), a fox in the snow\n"
    "Negative prompt: lowres, bad anatomy\n"
    "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 3141592653, Size: 832x1216, "
    'Model hash: 67ab2fd8ec, Model: juggernautXL_v9, Lora hashes: "detail: 1234abcd, style: 5678", Version: v1.10.1'
)


def a1111_only(tmp_path, text: str):
    info = PngInfo()
    info.add_text("parameters", text)
    path = tmp_path / "a1111.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    return path


def test_round_trip_through_a_png(tmp_path):
    path = save_png(Image.new("RGB", (8, 8), "red"), tmp_path, "x", png_info(PARAMETERS))
    assert read_parameters(path) == PARAMETERS
    read = read_image_parameters(a1111_only(tmp_path, Image.open(path).text["parameters"]))
    one_line = {**PARAMETERS, "prompt": PARAMETERS["prompt"].replace("\n", " ")}  # the A1111 chunk's prompt line
    fields = ("prompt", "negative_prompt", "steps", "guidance", "seed", "width", "height", "model")
    assert read.tool == "AUTOMATIC1111 / Forge"
    assert {key: read.parameters[key] for key in fields} == {key: one_line[key] for key in fields}


def test_reads_an_automatic1111_png(tmp_path):
    read = read_image_parameters(a1111_only(tmp_path, A1111_SAMPLE))
    values = read.parameters
    assert values["prompt"] == "masterpiece, (best quality:1.2), a fox in the snow"
    assert values["negative_prompt"] == "lowres, bad anatomy"
    assert (values["steps"], values["guidance"], values["seed"]) == (28, 7.0, 3141592653)
    assert (values["width"], values["height"], values["model"]) == (832, 1216, "juggernautXL_v9")
    assert "sampler: DPM++ 2M" in read.ignored


def test_recall_fills_the_brick_and_keeps_an_unknown_model_out(tmp_path, catalog):
    ours = save_png(Image.new("RGB", (8, 8)), tmp_path, "ours", png_info({**PARAMETERS, "model": "demo-flux"}))
    values, note = recall_from_image(ours, catalog)
    assert note == "" and values["model"] == "demo-flux" and values["seed"] == 123 and values["num_images"] == 1
    info = PngInfo()
    info.add_text("parameters", A1111_SAMPLE)
    theirs = tmp_path / "theirs.png"
    Image.new("RGB", (8, 8)).save(theirs, pnginfo=info)
    values, note = recall_from_image(theirs, catalog)
    assert "model" not in values and "juggernautXL_v9" in note and values["width"] == 832
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert recall_from_image(plain, catalog) == ({}, "plain.png carries no generation parameters.")


def test_a1111_text_quotes_values_with_separators():
    text = a1111_text({**PARAMETERS, "model": "my, model"})
    assert 'Model: "my, model"' in text
    assert a1111_settings(text)["Model"] == "my, model"


def test_unique_names_and_no_partial_files_under_concurrency(tmp_path):
    image = Image.new("RGB", (64, 64), "blue")
    paths: list = []
    workers = [threading.Thread(target=lambda: paths.append(save_png(image, tmp_path, "same"))) for _ in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(set(paths)) == 12
    assert not [path for path in tmp_path.rglob("*") if path.name.startswith(".partial")]
    assert slug("A Cat! on a chair — 4K, ultra/../detailed") == "a-cat-on-a-chair-4k-ultra-detailed"
    assert slug("日本") == "image"
