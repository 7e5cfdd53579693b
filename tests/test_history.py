"""The history of outputs: the index of the outputs folder, its search and pages, thumbnails, deletion
inside the folder only, and ``/history`` on the served app."""

import os
from datetime import datetime
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from hypothesis import given, settings
from PIL import Image
from test_shared_link import any_value

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.history.database import IndexDatabase
from qpyt_gradio.history.index import DATABASE_NAME, PER_PAGE, HistoryIndex
from qpyt_gradio.history.listing import HISTORY_OFF, history_page
from qpyt_gradio.history.records import CACHE_FOLDER
from qpyt_gradio.history.thumbnails import THUMBNAIL_SIDE, thumbnail
from qpyt_gradio.metadata import png_info
from qpyt_gradio.outputs import save_png
from qpyt_gradio.settings import Settings, load_settings
from qpyt_gradio.workspace import Workspace


def output(folder: Path, prompt: str, seed: int, model: str = "demo-sdxl", brick: str = "generate", **extra) -> Path:
    """An output as the image bricks write it: a PNG named after seed and prompt, its parameters inside."""
    parameters = {
        "prompt": prompt,
        "negative_prompt": "",
        "seed": seed,
        "model": model,
        "brick": brick,
        "steps": 2,
        "guidance": 3.0,
        "width": 32,
        "height": 24,
        **extra,
    }
    image = Image.new("RGB", (32, 24), (seed % 256, 40, 90))
    return save_png(
        image, folder, f"{seed}-{prompt[:20]}", png_info(parameters), now=datetime(2026, 11, 28, 12, seed % 60)
    )


@pytest.fixture()
def outputs(tmp_path: Path) -> Path:
    folder = tmp_path / "outputs"
    output(folder / "2026-11-27", "a red fox in the snow", 1)
    output(folder / "2026-11-27", "a lighthouse at dusk", 2, model="demo-flux")
    output(folder / "2026-11-28", "A RED boat, 100% cotton sails", 3)
    output(folder / "2026-11-28", "a red_fox sticker", 4, brick="upscale")
    return folder


def found(index: HistoryIndex, query: str = "", day: str = "") -> list[str]:
    return sorted(record.prompt for record in index.search(query, day).records)


@pytest.fixture(params=["trigram index", "no FTS5"])
def text_index(request, monkeypatch) -> bool:
    """Words found through SQLite's FTS5 trigram index, and row by row where SQLite was built without it."""
    if request.param == "no FTS5":
        monkeypatch.setattr("qpyt_gradio.history.database._TEXT_INDEX", "CREATE VIRTUAL TABLE t USING no_such_module")
    return request.param == "trigram index"


def test_words_fields_phrases_and_days_narrow_the_search(outputs, text_index):
    index = HistoryIndex(outputs)
    assert index.refresh() and IndexDatabase(outputs / CACHE_FOLDER / DATABASE_NAME).text_index is text_index
    assert len(found(index)) == 4
    assert found(index, "red") == ["A RED boat, 100% cotton sails", "a red fox in the snow", "a red_fox sticker"]
    assert found(index, "red fox") == ["a red fox in the snow", "a red_fox sticker"]
    assert found(index, '"red fox"') == ["a red fox in the snow"]
    assert found(index, "seed:2") == ["a lighthouse at dusk"]
    assert found(index, "model:flux") == ["a lighthouse at dusk"]
    assert found(index, "brick:upscale red") == ["a red_fox sticker"]
    assert found(index, "red", "2026-11-27") == ["a red fox in the snow"]
    assert found(index, "nothing-like-this") == []


def test_like_wildcards_in_a_search_are_plain_characters(outputs, text_index):
    index = HistoryIndex(outputs)
    assert found(index, "100%") == ["A RED boat, 100% cotton sails"]
    assert found(index, "red_fox") == ["a red_fox sticker"]
    assert found(index, "%") == ["A RED boat, 100% cotton sails"]
    assert found(index, 'boat, "100') == []  # quotes close a phrase, never the index's query syntax
    assert found(index, "red boat AND") == []
    assert found(index, "a red*") == []


def test_pages_are_newest_first_and_a_page_past_the_last_gives_the_last(tmp_path):
    folder = tmp_path / "outputs"
    for seed in range(PER_PAGE * 2 + 5):
        path = output(folder / "2026-11-28", f"image {seed}", seed)
        os.utime(path, ns=(seed * 10**9, seed * 10**9))
    index = HistoryIndex(folder)
    first, last = index.search(page=1), index.search(page=99)
    assert (first.total, first.pages, last.page) == (PER_PAGE * 2 + 5, 3, 3)
    assert [record.seed for record in first.records[:3]] == [
        str(PER_PAGE * 2 + 4),
        str(PER_PAGE * 2 + 3),
        str(PER_PAGE * 2 + 2),
    ]
    assert len(last.records) == 5 and last.records[-1].seed == "0"


def test_a_search_opens_only_files_it_has_not_seen(outputs):
    index = HistoryIndex(outputs)
    assert index.refresh() == 4
    assert index.refresh() == 0
    output(outputs / "2026-11-28", "a new one", 9)
    assert index.refresh() == 1
    again = HistoryIndex(outputs)  # the index is kept on disk: a restart opens nothing
    assert again.refresh() == 0 and len(found(again)) == 5
    next(iter((outputs / "2026-11-27").glob("*fox*"))).unlink()
    assert "a red fox in the snow" not in found(index)


def test_a_damaged_index_is_rebuilt(outputs):
    HistoryIndex(outputs).refresh()
    (outputs / CACHE_FOLDER / DATABASE_NAME).write_bytes(b"this is not a database" * 100)
    assert len(found(HistoryIndex(outputs))) == 4


def test_damaged_images_are_listed_with_a_card_and_can_be_deleted(outputs):
    broken = outputs / "2026-11-28" / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"cut short")
    index = HistoryIndex(outputs)
    index.refresh()
    record = index.record("2026-11-28/broken.png")
    assert record.prompt == "" and record.parameters == {}
    with Image.open(thumbnail(outputs, record)) as card:
        assert card.size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    index.delete("2026-11-28/broken.png")
    assert not broken.exists()


def test_thumbnails_are_small_made_once_and_new_for_a_changed_file(tmp_path):
    folder = tmp_path / "outputs"
    path = save_png(Image.new("RGB", (900, 600), "red"), folder, "big", png_info({"prompt": "big", "seed": 1}))
    index = HistoryIndex(folder)
    record = index.search().records[0]
    small = thumbnail(folder, record)
    with Image.open(small) as image:
        assert image.size == (THUMBNAIL_SIDE, round(THUMBNAIL_SIDE * 2 / 3))
    made = small.stat().st_mtime_ns
    assert thumbnail(folder, record) == small and small.stat().st_mtime_ns == made
    Image.new("RGB", (90, 60), "blue").save(folder / "new.png")
    os.replace(folder / "new.png", path)  # a changed file under the same name
    index.refresh()
    assert thumbnail(folder, index.record(record.path)) != small


def test_delete_stays_inside_the_outputs_folder(outputs, tmp_path):
    outside = tmp_path / "keep.png"
    Image.new("RGB", (8, 8)).save(outside)
    (outputs / "2026-11-28" / "link.png").symlink_to(outside)
    index = HistoryIndex(outputs)
    assert "link.png" not in {record.name for record in index.search().records}
    for path in ("2026-11-28/link.png", "../keep.png", str(outside)):
        with pytest.raises(InvalidInput, match="not an output of this app"):
            index.delete(path)
    assert outside.exists()
    victim = index.search("lighthouse").records[0]
    index.delete(victim.path)
    assert not (outputs / victim.path).exists() and found(index, "lighthouse") == []


@pytest.mark.parametrize(
    ("query", "day", "page", "message"),
    [
        ("x" * 501, "", 1, "Search is 501 characters long"),
        (["red"], "", 1, "Search must be a text"),
        ("", "28/11/2026", 1, "Day must be a date written YYYY-MM-DD"),
        ("", "", 0, "Page 0 is out of range"),
        ("", "", 1.5, "Page must be a whole number"),
        ("", "", True, "Page must be a whole number"),
    ],
)
def test_bad_searches_say_what_is_wrong(outputs, query, day, page, message):
    workspace = Workspace.from_settings(Settings(outputs_dir=outputs))
    with pytest.raises(InvalidInput, match=message):
        history_page(workspace, query, day, page)


def test_the_history_is_off_on_a_shared_link_unless_asked_for(outputs):
    assert Settings().history_shown
    assert not Settings(share=True).history_shown and not Settings(on_spaces=True).history_shown
    assert load_settings(["--share", "--share-public", "--history"], {}).history_shown
    assert not load_settings(["--no-history"], {}).history_shown
    assert load_settings([], {"SPACE_ID": "me/app", "QPYT_HISTORY": "1"}).history_shown
    workspace = Workspace.from_settings(Settings(outputs_dir=outputs, on_spaces=True))
    with pytest.raises(InvalidInput, match="--history"):
        history_page(workspace)
    assert HISTORY_OFF.startswith("The history is off")


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


def test_history_on_the_api_finds_generated_images_by_prompt_and_seed(client, served_app):
    _, used = client.predict(
        prompt="a periwinkle zeppelin",
        model="demo-sdxl",
        width=64,
        height=64,
        steps=2,
        seed=4242,
        num_images=2,
        api_name="/generate",
    )
    listed = client.predict(query="periwinkle zeppelin", day="", page=1, api_name="/history")
    assert listed["total"] == 2 and listed["pages"] == 1
    assert {item["seed"] for item in listed["items"]} == {"4242", "4243"}
    assert {item["file"].rsplit("/", 1)[-1] for item in listed["items"]} == set(used["files"])
    one = client.predict(query="periwinkle seed:4243", day="", page=1, api_name="/history")
    assert [item["prompt"] for item in one["items"]] == ["a periwinkle zeppelin"]
    assert listed["items"][0]["day"] == datetime.now().strftime("%Y-%m-%d")
    assert dict(listed["days"])[listed["items"][0]["day"]] >= 2
    for item in listed["items"]:
        assert (served_app["outputs"] / item["file"]).is_file()


def test_history_on_the_api_refuses_bad_values_with_a_message(client):
    with pytest.raises(AppError, match="Day must be a date written YYYY-MM-DD"):
        client.predict(query="", day="yesterday", page=1, api_name="/history")
    with pytest.raises(AppError, match="Page 0 is out of range"):
        client.predict(query="", day="", page=0, api_name="/history")


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(query=any_value(), day=any_value(), page=any_value())
def test_any_values_sent_to_history_get_a_page_or_a_message_naming_the_field(client, query, day, page):
    try:
        listed = client.predict(query=query, day=day, page=page, api_name="/history")
    except AppError as error:
        assert any(name in str(error) for name in ("Search", "Day", "Page")), f"{error} for {query!r} {day!r} {page!r}"
        return
    assert {"total", "page", "pages", "days", "items"} <= set(listed)
