"""History with 10 000 outputs ÷ with 10: opening the History tab and searching, in Chromium on the
served page until every thumbnail shows; the same two through the index alone (first page, its
thumbnails, the days; a search); and what building the index costs once.

Outputs are 256² PNGs with an image brick's parameters, 100 a day.

    python bench/history.py [--outputs 10000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import median, served
from PIL import Image

from qpyt_gradio.history.index import HistoryIndex, HistoryPage
from qpyt_gradio.history.listing import history_page
from qpyt_gradio.history.thumbnails import thumbnail
from qpyt_gradio.metadata import png_info
from qpyt_gradio.settings import Settings
from qpyt_gradio.workspace import Workspace

SUBJECTS = ("a red fox", "a lighthouse", "a bowl of ramen", "a paper crane", "a desert road", "an old tram")
PER_DAY = 100
OPENED_WITH = ("lighthouse", "")
SEARCHES = ("lighthouse model:flux", "ramen")
"""Each pair gives two different answers, so that the page shows when the next one has arrived."""
SETTLED = """previous => {
    const status = document.querySelector('#qpyt-hist-status')?.innerText ?? '';
    const images = [...document.querySelectorAll('#qpyt-hist-grid img')];
    return status && status !== previous && images.every(image => image.complete && image.naturalWidth > 0);
}"""


def write_outputs(folder: Path, count: int) -> None:
    """``count`` outputs in day folders, each with the parameters a Generate output records."""
    first_day = datetime(2026, 1, 1)
    tiles = [Image.effect_noise((256, 256), 40 + 10 * n).convert("RGB") for n in range(4)]
    for number in range(count):
        day = (first_day + timedelta(days=number // PER_DAY)).strftime("%Y-%m-%d")
        subject = SUBJECTS[number % len(SUBJECTS)]
        parameters = {
            "prompt": f"{subject}, picture {number}",
            "negative_prompt": "blurry",
            "seed": number,
            "model": "demo-sdxl" if number % 3 else "demo-flux",
            "brick": "generate",
            "steps": 20,
            "guidance": 5.0,
            "width": 256,
            "height": 256,
        }
        (folder / day).mkdir(parents=True, exist_ok=True)
        tiles[number % 4].save(folder / day / f"{number:06d}.png", pnginfo=png_info(parameters), compress_level=1)


def open_tab(workspace: Workspace) -> HistoryPage:
    """What opening the History tab asks: the first page, its thumbnails and the days."""
    found = history_page(workspace)
    for record in found.records:
        thumbnail(workspace.outputs_dir, record)
    workspace.history.days()
    return found


def search(workspace: Workspace) -> HistoryPage:
    """A search by words and model, and its page's thumbnails."""
    found = history_page(workspace, "lighthouse model:flux")
    for record in found.records:
        thumbnail(workspace.outputs_dir, record)
    return found


def on_the_page(folder: Path, repeat: int) -> dict[str, float]:
    """Seconds, in Chromium: from a click on the History tab, and from Enter in its search box, until the
    answer and every thumbnail show (medians)."""
    from playwright.sync_api import sync_playwright

    timings: dict[str, list[float]] = {"page open": [], "page search": []}
    with served("--outputs-dir", str(folder), cwd=folder.parent) as url, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        page.wait_for_selector("#qpyt-prompt textarea", timeout=120_000)
        history, generate = page.get_by_role("tab", name="History"), page.get_by_role("tab", name="Generate")
        history.click()
        for number in range(repeat + 1):
            shown = page.inner_text("#qpyt-hist-status")
            page.fill("#qpyt-hist-query textarea", OPENED_WITH[number % 2])
            generate.click()
            started = time.perf_counter()
            history.click()
            page.wait_for_function(SETTLED, arg=shown, timeout=60_000)
            timings["page open"].append(time.perf_counter() - started)
            shown = page.inner_text("#qpyt-hist-status")
            page.fill("#qpyt-hist-query textarea", SEARCHES[number % 2])
            started = time.perf_counter()
            page.press("#qpyt-hist-query textarea", "Enter")
            page.wait_for_function(SETTLED, arg=shown, timeout=60_000)
            timings["page search"].append(time.perf_counter() - started)
        browser.close()
    return {name: median(values[1:]) for name, values in timings.items()}


def measure(count: int, repeat: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="qpyt-history-bench-")) / "outputs"
    write_outputs(folder, count)
    started = time.perf_counter()
    opened = HistoryIndex(folder).refresh()
    built = time.perf_counter() - started
    workspace = Workspace.from_settings(Settings(outputs_dir=folder))
    started = time.perf_counter()
    found = open_tab(workspace)
    restarted = time.perf_counter() - started
    assert found.total == count and opened == count
    timings: dict[str, list[float]] = {"open": [], "search": []}
    for _ in range(repeat):
        for name, action in (("open", open_tab), ("search", search)):
            started = time.perf_counter()
            action(workspace)
            timings[name].append(time.perf_counter() - started)
    return {
        **on_the_page(folder, repeat),
        "build": built,
        "restart": restarted,
        **{name: median(values) for name, values in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    arguments = parser.parse_args()
    small, large = measure(10, arguments.repeat), measure(arguments.outputs, arguments.repeat)
    print(f"{'(medians)':28s} {'10 outputs':>12s} {f'{arguments.outputs} outputs':>16s} {'ratio':>7s}")
    for name, label in (
        ("page open", "page: open the History tab"),
        ("page search", "page: search"),
        ("open", "index: first page and days"),
        ("search", "index: search"),
        ("restart", "first open after a restart"),
        ("build", "index built once"),
    ):
        ratio = large[name] / small[name]
        print(f"{label:28s} {small[name] * 1000:10.1f} ms {large[name] * 1000:14.1f} ms {ratio:7.2f}")


if __name__ == "__main__":
    main()
