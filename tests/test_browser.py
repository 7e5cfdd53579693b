"""The page in Debian's Chromium, driven by Playwright: type, generate, see the image, cancel, the queue."""

import json
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, served_app):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(served_app["url"])
    page.wait_for_selector("#qpyt-prompt textarea")
    page.outputs = served_app["outputs"]
    return page


def served_outputs(page):
    return page.outputs


def on_generate(page) -> None:
    page.get_by_role("tab", name="Generate").click()
    page.wait_for_selector("#qpyt-prompt textarea")


def send_to(page, key: str, brick: str) -> None:
    """Pick ``brick`` in the "Send to" list under the gallery of the tab ``key``."""
    page.click(f"#qpyt-{key}-send input")
    page.locator("ul[role=listbox] li", has_text=brick).first.click()


def settled_value(page, selector: str, quiet_ms: int = 700) -> str:
    """The value of the text field ``selector`` once it stops changing for ``quiet_ms`` (a streamed text is
    complete)."""
    value = page.input_value(selector)
    while True:
        page.wait_for_timeout(quiet_ms)
        again = page.input_value(selector)
        if again == value:
            return value
        value = again


def history_count(page) -> int:
    return page.locator("#qpyt-history img").count()


def test_type_a_prompt_press_generate_and_see_the_image(page):
    on_generate(page)
    before = history_count(page)
    page.fill("#qpyt-prompt textarea", "a red fox in the snow")
    page.click("#qpyt-generate-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)
    assert page.locator("#qpyt-generate-result img").count() >= 1
    assert "Seed" in page.inner_text("#qpyt-generate-summary")


def test_ctrl_enter_in_the_prompt_generates(page):
    on_generate(page)
    before = history_count(page)
    page.fill("#qpyt-prompt textarea", "a blue boat")
    page.press("#qpyt-prompt textarea", "Control+Enter")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)
    assert page.input_value("#qpyt-prompt textarea") == "a blue boat"


def test_load_parameters_from_an_image_fills_the_brick(page, tmp_path):
    on_generate(page)
    from PIL import Image

    from qpyt_gradio.metadata import png_info

    stored = {
        "prompt": "a green tram in the fog",
        "negative_prompt": "",
        "model": "demo-sd3",
        "width": 192,
        "height": 128,
        "steps": 7,
        "guidance": 2.5,
        "seed": 4242,
        "num_images": 1,
    }
    path = tmp_path / "recalled.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=png_info(stored))
    page.click("#qpyt-recall-panel button")
    page.set_input_files("#qpyt-recall input[type=file]", str(path))
    page.wait_for_function(
        "document.querySelector('#qpyt-prompt textarea').value === 'a green tram in the fog'", timeout=30_000
    )
    assert page.input_value("#qpyt-seed input") == "4242"
    assert page.input_value("#qpyt-generate-brick input[aria-label='number input for Steps']") == "7"
    assert page.input_value("#qpyt-generate-brick input[aria-label='number input for Width']") == "192"


def test_load_parameters_from_another_tool_lists_what_was_ignored(browser, served_app, tmp_path):
    from support import tool_images

    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(served_app["url"])
    page.wait_for_selector("#qpyt-prompt textarea")
    page.click("#qpyt-recall-panel button")
    page.set_input_files("#qpyt-recall input[type=file]", str(tool_images.comfyui(tmp_path)))
    page.wait_for_selector(
        "text=Read from an image made with ComfyUI; not used here: sampler: dpmpp_2m", timeout=30_000
    )
    assert page.input_value("#qpyt-prompt textarea").startswith(tool_images.PROMPT)
    assert page.input_value("#qpyt-seed input") == str(tool_images.SEED)
    page.close()


def test_a_size_the_engine_cannot_take_or_out_of_range_is_shown_as_used(page):
    on_generate(page)
    width = page.locator("#qpyt-generate-brick input[aria-label='number input for Width']")
    height = page.locator("#qpyt-generate-brick input[aria-label='number input for Height']")
    width.fill("5000")
    width.press("Tab")
    page.wait_for_selector("text=5000 is above the largest value: 2048 is used.", timeout=10_000)
    assert width.input_value() == "2048"
    before = history_count(page)
    width.fill("100")
    height.fill("68")
    page.locator("#qpyt-generate-brick input[aria-label='number input for Steps']").fill("2")
    page.fill("#qpyt-prompt textarea", "a snapped size")
    page.click("#qpyt-generate-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)
    used = page.inner_text("#qpyt-generate-summary").split(" · ")[1]  # "**Seed n** · 96×64 · 2 steps · model"
    page.wait_for_function(
        f"document.querySelector(\"#qpyt-generate-brick input[aria-label='number input for Width']\").value"
        f" === '{used.split('×')[0]}'",
        timeout=10_000,
    )
    assert used != "100×68" and height.input_value() == used.split("×")[1]


def test_image_to_prompt_to_enhanced_prompt_undone_and_redone_to_image_in_a_few_clicks(page, tmp_path):
    on_generate(page)
    from PIL import Image

    picture = tmp_path / "source.png"
    Image.new("RGB", (96, 64), "purple").save(picture)
    page.fill("#qpyt-prompt textarea", "")
    page.click("#qpyt-prompt-helpers button")
    page.set_input_files("#qpyt-bar-image input[type=file]", str(picture))
    page.click("#qpyt-bar-describe")
    page.wait_for_function("document.querySelector('#qpyt-prompt textarea').value.length > 0", timeout=60_000)
    described = page.input_value("#qpyt-prompt textarea")
    page.click("#qpyt-bar-enhance")
    page.wait_for_function(
        "(before) => { const v = document.querySelector('#qpyt-prompt textarea').value; return v && v !== before; }",
        arg=described,
        timeout=60_000,
    )
    enhanced = settled_value(page, "#qpyt-prompt textarea", 2500)  # the enhancer streams; a busy machine pauses it
    for expected in (described, enhanced):  # Undo, then Undo the undo
        page.click("#qpyt-bar-undo")
        page.wait_for_function(
            "(text) => document.querySelector('#qpyt-prompt textarea').value === text", arg=expected, timeout=10_000
        )
    before = history_count(page)
    page.click("#qpyt-generate-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)


def test_paint_a_mask_stroke_and_inpaint_it(page, tmp_path):
    import numpy as np
    from PIL import Image

    from qpyt_gradio.metadata import read_parameters

    source = tmp_path / "to-inpaint.png"
    Image.fromarray(np.random.default_rng(4).integers(0, 255, (128, 128, 3), dtype=np.uint8)).save(source)
    page.get_by_role("tab", name="Inpaint").click()
    page.wait_for_selector("#qpyt-inpaint-editor canvas")
    page.wait_for_timeout(1000)
    page.set_input_files("#qpyt-inpaint-editor input[type=file]", str(source))
    page.wait_for_timeout(4000)  # the editor sizes its canvas to the image once the upload is in
    page.click("#qpyt-inpaint-editor button[aria-label='Brush']")
    canvas = page.locator("#qpyt-inpaint-editor canvas").first.bounding_box()
    middle_x, middle_y = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    page.mouse.move(middle_x - 30, middle_y)
    page.mouse.down()
    page.mouse.move(middle_x + 30, middle_y, steps=12)
    page.mouse.up()
    page.fill("#qpyt-inpaint-prompt textarea", "a red apple")
    before = history_count(page)
    page.click("#qpyt-inpaint-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)
    result = page.locator("#qpyt-inpaint-result img").first.get_attribute("src")
    assert result
    stored_paths = sorted(served_outputs(page).rglob("*a-red-apple.png"))
    assert stored_paths, "the inpainted image was saved"
    stored = read_parameters(stored_paths[-1])
    assert stored["brick"] == "inpaint" and stored["prompt"] == "a red apple"
    out = np.asarray(Image.open(stored_paths[-1]).convert("RGB")).astype(int)
    changed = np.abs(out - np.asarray(Image.open(source))).sum(axis=2) > 0
    assert changed[60:68, 56:72].any(), "the stroke across the middle was redrawn"
    assert not changed[:16, :16].any() and not changed[-16:, -16:].any(), "the corners far from it were not"


def test_an_output_is_sent_to_img2img_with_one_click(page):
    on_generate(page)
    page.fill("#qpyt-prompt textarea", "a lighthouse to redraw")
    page.click("#qpyt-generate-run")
    page.wait_for_function(
        "document.querySelector('#qpyt-generate-summary').innerText.includes('Seed')", timeout=60_000
    )
    send_to(page, "generate", "Img2img")
    page.wait_for_selector("#qpyt-img2img-source img", timeout=30_000)
    assert page.get_by_role("tab", name="Img2img").get_attribute("aria-selected") == "true"
    page.wait_for_function(  # the prompt came along
        "document.querySelector('#qpyt-img2img-prompt textarea').value === 'a lighthouse to redraw'", timeout=10_000
    )
    page.click("#qpyt-img2img-send input")
    page.locator("ul[role=listbox] li", has_text="Upscale").first.wait_for(timeout=10_000)
    offered = page.locator("ul[role=listbox] li").all_inner_texts()
    assert "Img2img" not in offered and "Upscale" in offered
    page.keyboard.press("Escape")
    before = history_count(page)
    page.fill("#qpyt-img2img-prompt textarea", "a lighthouse, redrawn")
    page.click("#qpyt-img2img-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)


def test_remove_a_background_then_see_the_svg(page, tmp_path):
    from PIL import Image, ImageDraw

    picture = tmp_path / "badge.png"
    image = Image.new("RGB", (160, 120), "black")
    ImageDraw.Draw(image).ellipse((40, 20, 120, 100), fill="white")
    image.save(picture)
    page.get_by_role("tab", name="Background").click()
    page.wait_for_selector("#qpyt-background-source input[type=file]", state="attached")
    page.set_input_files("#qpyt-background-source input[type=file]", str(picture))
    page.click("#qpyt-background-run")
    page.wait_for_selector("#qpyt-background-result img", timeout=60_000)
    for gallery in ("#qpyt-background-result", "#qpyt-history"):
        assert page.locator(f"{gallery} input[type=file]").count() == 0, "result galleries take no uploads"
    send_to(page, "background", "Vectorize")
    page.wait_for_selector("#qpyt-vectorize-source img", timeout=30_000)
    page.click("#qpyt-vectorize-run")
    page.wait_for_selector("#qpyt-vectorize-svg", timeout=60_000)
    assert page.locator("#qpyt-vectorize-svg").get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert "paths" in page.inner_text("#qpyt-vectorize-preview")


def generate_sized(page, prompt: str, steps: int, side: int) -> None:
    """Fill the Generate brick with ``prompt``, ``steps`` and a ``side`` × ``side`` size, and press Generate."""
    on_generate(page)
    page.fill("#qpyt-prompt textarea", prompt)
    for label, value in (("Steps", steps), ("Width", side), ("Height", side)):
        page.locator(f"#qpyt-generate-brick input[aria-label='number input for {label}']").fill(str(value))
    page.click("#qpyt-generate-run")


def cancel_waits_for_a_job(page, key: str) -> None:
    """The Cancel of the tab ``key`` is disabled until a job runs, and narrow beside its Run button."""
    assert page.is_disabled(f"#qpyt-{key}-cancel"), "Cancel waits for a job"
    cancel, run = (page.locator(f"#qpyt-{key}-{name}").bounding_box() for name in ("cancel", "run"))
    assert cancel["width"] < run["width"] / 2 and cancel["y"] == run["y"], "a compact Cancel beside Run"


def test_cancel_stops_a_long_job_and_the_page_stays_ready(page):
    on_generate(page)
    before = history_count(page)
    cancel_waits_for_a_job(page, "generate")
    generate_sized(page, "a very long job", 150, 1024)
    label = "document.querySelector('#qpyt-generate-result label')?.innerText || ''"
    page.wait_for_function(f"/Result — step \\d+\\/150 · \\d+ s/.test({label})", timeout=30_000)
    page.click("#qpyt-generate-cancel")
    page.wait_for_selector("text=Cancelling: the job stops after the current step.", timeout=10_000)
    page.wait_for_selector("text=Cancelled after step", timeout=60_000)
    assert history_count(page) == before
    page.wait_for_function("!document.querySelector('#qpyt-generate-result img')", timeout=10_000)
    # the cancelled run's event has ended (Run ignores a press while its event is pending)
    page.wait_for_function("document.querySelector('#qpyt-generate-cancel').disabled", timeout=10_000)
    page.locator("#qpyt-generate-brick input[aria-label='number input for Steps']").fill("2")
    page.click("#qpyt-generate-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)
    page.wait_for_function("document.querySelector('#qpyt-generate-cancel').disabled", timeout=10_000)
    page.get_by_role("tab", name="Workflow").click()
    cancel_waits_for_a_job(page, "workflow")
    page.click("#qpyt-workflow-add")
    page.wait_for_selector("#qpyt-workflow-1-prompt textarea", timeout=30_000)
    page.fill("#qpyt-workflow-1-prompt textarea", "a very long workflow")
    for name, value in (("steps", "150"), ("width", "1024"), ("height", "1024")):
        page.locator(f"#qpyt-workflow-1-{name} input").fill(value)
    page.click("#qpyt-workflow-run")
    status = "document.querySelector('#qpyt-workflow-status').innerText"
    page.wait_for_function(f"/step \\d+\\/150/.test({status})", timeout=30_000)
    page.click("#qpyt-workflow-cancel")
    page.wait_for_function(f"{status}.includes('Stopped')", timeout=60_000)
    page.wait_for_function("document.querySelector('#qpyt-workflow-cancel').disabled", timeout=10_000)
    page.click("#qpyt-workflow-remove-1")
    page.wait_for_function("!document.querySelector('#qpyt-workflow-1-prompt')", timeout=30_000)


def test_the_queue_panel_shows_another_user_s_job_but_cancels_only_one_s_own(browser, served_app):
    """A's long job runs and B's waits: B's panel lists both in order, A's without its prompt and with no Cancel;
    B takes its own out of the line; A stops its running one from its panel; a closed panel asks nothing."""
    first, second = (browser.new_context(viewport={"width": 1500, "height": 1000}).new_page() for _ in range(2))
    for page in (first, second):
        page.goto(served_app["url"])
        page.wait_for_selector("#qpyt-prompt textarea")
    label = "document.querySelector('#qpyt-generate-result label')?.innerText || ''"
    generate_sized(first, "a secret lighthouse", 150, 1024)
    first.wait_for_function(f"/step \\d+\\/150/.test({label})", timeout=30_000)
    generate_sized(second, "a small boat", 2, 256)
    second.wait_for_function(f"{label}.includes('waiting')", timeout=30_000)
    assert not second.is_visible("#qpyt-queue-summary"), "closed until opened"
    second.click("#qpyt-queue button")
    second.wait_for_function("document.querySelector('#qpyt-queue-1')?.innerText.includes('yours')", timeout=10_000)
    running, waiting = (second.inner_text(f"#qpyt-queue-{index}") for index in (0, 1))
    assert running.startswith("1. Generate · running") and running.endswith("another user's")
    assert waiting.startswith("2. Generate · waiting") and waiting.endswith("yours")
    assert "lighthouse" not in second.inner_text("#qpyt-queue")
    assert not second.is_visible("#qpyt-queue-cancel-0") and second.is_visible("#qpyt-queue-cancel-1")
    second.click("#qpyt-queue-cancel-1")
    second.wait_for_selector("text=Cancelled while it was waiting its turn.", timeout=10_000)
    second.wait_for_selector("#qpyt-queue-1", state="hidden", timeout=10_000)
    assert "1 running · 0 waiting · 0 yours" in second.inner_text("#qpyt-queue-summary")
    second.click("#qpyt-queue button")
    second.wait_for_timeout(500)
    asked: list[str] = []
    second.on("request", lambda request: asked.append(request.url) if "run/predict" in request.url else None)
    second.wait_for_timeout(2500)
    assert not asked, "a closed panel is not refreshed"
    first.click("#qpyt-queue button")
    first.wait_for_function("document.querySelector('#qpyt-queue-0')?.innerText.includes('yours')", timeout=10_000)
    first.click("#qpyt-queue-cancel-0")
    first.wait_for_selector("text=Cancelled after step", timeout=60_000)
    summary = "document.querySelector('#qpyt-queue-summary').innerText"
    first.wait_for_function(f"{summary}.includes('the next job starts at once')", timeout=10_000)
    for page in (first, second):
        page.context.close()


def test_dark_mode_follows_the_system(browser, served_app):
    for scheme, dark in (("dark", True), ("light", False)):
        page = browser.new_page(color_scheme=scheme)
        page.goto(served_app["url"])
        page.wait_for_selector("#qpyt-prompt textarea")
        assert page.evaluate("document.body.classList.contains('dark')") is dark
        page.close()


def pick_brick(page, label: str) -> None:
    page.click("#qpyt-workflow-brick input")
    page.locator("ul[role=listbox] li", has_text=label).first.click()
    page.wait_for_timeout(500)


def open_in_workflow_tab(page, path) -> None:
    page.get_by_role("tab", name="Workflow").click()
    with page.expect_file_chooser() as chooser:
        page.click("#qpyt-workflow-open")
    chooser.value.set_files(str(path))


def run_in_workflow_tab(page) -> str:
    """Press Run and wait for this run's final status (each names its last file, so runs differ)."""
    before = page.inner_text("#qpyt-workflow-status")
    page.click("#qpyt-workflow-run")
    page.wait_for_function(
        "(before) => { const text = document.querySelector('#qpyt-workflow-status').innerText; "
        "return !text.includes(before) && ['Done', 'Stopped'].some(word => text.includes(word)); }",
        arg=before,
        timeout=120_000,
    )
    return page.inner_text("#qpyt-workflow-status")


def test_compose_a_two_step_workflow_and_see_both_outputs(page):
    page.get_by_role("tab", name="Workflow").click()
    page.click("#qpyt-workflow-add")
    page.wait_for_selector("#qpyt-workflow-1-prompt textarea", timeout=30_000)
    page.fill("#qpyt-workflow-1-prompt textarea", "a green lantern")
    pick_brick(page, "Retouch")
    page.click("#qpyt-workflow-add")
    page.wait_for_selector("#qpyt-workflow-2-brightness", timeout=30_000)
    assert page.input_value("#qpyt-workflow-1-prompt textarea") == "a green lantern", "adding a step keeps edits"
    assert "Done" in run_in_workflow_tab(page)
    assert page.locator("#qpyt-workflow-result img").count() == 2
    page.click("#qpyt-workflow-remove-1")
    page.wait_for_function("!document.querySelector('#qpyt-workflow-1-prompt')", timeout=30_000)
    page.click("#qpyt-workflow-remove-1")


def test_add_to_workflow_from_a_tab_then_save_and_refuse_to_overwrite(page, served_app):
    on_generate(page)
    page.fill("#qpyt-prompt textarea", "a copper kettle")
    page.click("#qpyt-generate-add")
    page.get_by_role("tab", name="Workflow").click()
    page.wait_for_selector("#qpyt-workflow-1-prompt textarea", timeout=30_000)
    assert page.input_value("#qpyt-workflow-1-prompt textarea") == "a copper kettle"
    page.locator("#qpyt-workflow-name").get_by_role("textbox").fill("kettle")
    page.click("#qpyt-workflow-save")
    page.wait_for_timeout(1500)
    saved = json.loads((served_app["workflows"] / "kettle.json").read_text())
    assert saved["steps"][0]["params"]["prompt"] == "a copper kettle"
    page.fill("#qpyt-workflow-1-prompt textarea", "a silver kettle")
    page.click("#qpyt-workflow-save")
    page.wait_for_selector("text=exists already", timeout=30_000)
    assert json.loads((served_app["workflows"] / "kettle.json").read_text()) == saved, "nothing was overwritten"
    page.click("#qpyt-workflow-remove-1")


def test_an_output_dropped_on_the_tab_restores_its_chain(page, served_app):
    made = sorted(served_app["outputs"].rglob("*a-green-lantern.png"))
    assert made, "the composed workflow saved its first output"
    open_in_workflow_tab(page, made[-1])
    page.wait_for_selector("#qpyt-workflow-2-brightness", timeout=30_000)
    assert page.input_value("#qpyt-workflow-1-prompt textarea") == "a green lantern"
    for _ in range(2):
        page.click("#qpyt-workflow-remove-1")
        page.wait_for_timeout(800)


def test_two_browsers_keep_their_own_choices(browser, served_app):
    """The app starts with --auto-translate; one browser turns it off, the other keeps it."""
    results = {}
    for label, translate in (("off", False), ("on", True)):
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        page = context.new_page()
        page.goto(served_app["url"])
        page.wait_for_selector("#qpyt-prompt textarea")
        page.click("#qpyt-settings button")
        box = page.locator("#qpyt-auto-translate input")
        if box.is_checked() != translate:
            box.click()
        page.wait_for_timeout(500)
        page.reload()
        page.wait_for_selector("#qpyt-prompt textarea")
        page.wait_for_timeout(1000)
        page.click("#qpyt-settings button")
        assert page.locator("#qpyt-auto-translate input").is_checked() == translate, "kept in this browser"
        page.fill("#qpyt-prompt textarea", f"un chat noir sur une chaise {label}")
        page.click("#qpyt-generate-run")
        page.wait_for_function(
            "document.querySelector('#qpyt-generate-summary').innerText.includes('Seed')", timeout=60_000
        )
        results[label] = page
    from qpyt_gradio.metadata import read_parameters

    for label, translated in (("off", False), ("on", True)):
        (path,) = [
            each
            for each in served_app["outputs"].rglob("*.png")
            if read_parameters(each)
            .get("source_prompt", read_parameters(each).get("prompt", ""))
            .endswith(f"chaise {label}")
        ]
        assert ("source_prompt" in read_parameters(path)) is translated
        results[label].context.close()


def test_the_same_workflow_gives_the_same_pixels_from_the_page_the_cli_and_the_api(page, served_app, tmp_path):
    import subprocess
    import sys

    import numpy as np
    from gradio_client import Client
    from PIL import Image

    from qpyt_gradio.metadata import read_parameters

    document = {
        "version": 1,
        "name": "identity",
        "steps": [
            {"brick": "generate", "params": {"prompt": "a blue door", "model": "demo-flux", "seed": 21, "steps": 2}},
            {"brick": "upscale", "params": {"scale": 1.5, "steps": 4, "seed": 22}},
        ],
    }
    path = tmp_path / "identity.json"
    path.write_text(json.dumps(document))
    open_in_workflow_tab(page, path)
    page.wait_for_selector("#qpyt-workflow-2-scale", timeout=30_000)
    assert "Done" in run_in_workflow_tab(page)
    made_in_page = sorted(
        (read_parameters(each)["workflow_step"], each)
        for each in served_app["outputs"].rglob("*.png")
        if read_parameters(each).get("workflow", {}).get("name") == "identity"
    )
    from_api, _ = Client(served_app["url"], verbose=False).predict(
        workflow=json.dumps(document), api_name="/run_workflow"
    )
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "qpyt_gradio", "run", str(path), "--out", str(tmp_path / "cli"), "--demo"]
    command += ["--cache-dir", str(served_app["cache"])]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    from_cli = json.loads(done.stdout)["files"]

    def pixels(file):
        return np.asarray(Image.open(file).convert("RGB"))

    assert [step for step, _ in made_in_page] == [1, 2]
    for (_, in_page), in_api, in_cli in zip(made_in_page, from_api, from_cli, strict=True):
        assert np.array_equal(pixels(in_page), pixels(in_api)) and np.array_equal(pixels(in_page), pixels(in_cli))


def pick_option(page, selector: str, text: str) -> None:
    """Type ``text`` into the dropdown ``selector`` and pick the first option that shows it."""
    page.click(f"{selector} input")
    page.fill(f"{selector} input", text)
    page.locator("ul[role=listbox] li", has_text=text).first.click()
    page.wait_for_timeout(300)


def test_style_chips_and_a_lora_slot_make_the_prompt_the_model_sees(page):
    on_generate(page)
    page.click("#qpyt-generate-extras")
    page.fill("#qpyt-prompt textarea", "a fox")
    pick_option(page, "#qpyt-generate-styles", "Cinematic Still")
    pick_option(page, "#qpyt-generate-styles", "Film Noir")
    page.wait_for_function("document.querySelectorAll('#qpyt-generate-styles .token').length === 2", timeout=10_000)
    chips = page.locator("#qpyt-generate-styles .token").all_inner_texts()
    assert len(chips) == 2 and "Cinematic Still" in chips[0], "chips keep the order they were picked in"
    page.wait_for_function(
        "document.querySelector('#qpyt-generate-final textarea').value.toLowerCase().includes('film noir')",
        timeout=10_000,
    )
    final = page.input_value("#qpyt-generate-final textarea")
    assert final != "a fox" and "cinematic" in final.lower()
    pick_option(page, "#qpyt-model", "demo-sdxl")
    pick_option(page, "#qpyt-generate-lora-0", "demo-sdxl-ink")
    before = history_count(page)
    page.click("#qpyt-generate-run")
    page.wait_for_function(f"document.querySelectorAll('#qpyt-history img').length > {before}", timeout=60_000)
    from qpyt_gradio.metadata import read_parameters

    newest = max(served_outputs(page).rglob("*.png"), key=lambda path: path.stat().st_mtime_ns)
    stored = read_parameters(newest)
    assert stored["styles"] == ["Cinematic Still", "Film Noir"] and stored["loras"] == [["demo-sdxl-ink", 1.0]]
    assert stored["model_prompt"] == final


def test_the_lora_dashboard_searches_inserts_renames_and_deletes(page, served_app):
    import shutil

    folder = served_app["loras"]
    folder.mkdir(exist_ok=True)
    demo = next((served_app["cache"] / "demo-loras").glob("demo-sdxl-ink.safetensors"))
    shutil.copy(demo, folder / "browser-ink.safetensors")
    page.get_by_role("tab", name="LoRAs").click()
    page.click("#qpyt-loras-rescan")
    table = page.locator("#qpyt-loras-table")
    table.get_by_text("browser-ink").wait_for(timeout=10_000)
    on_generate(page)
    page.fill("#qpyt-prompt textarea", "a harbour")
    page.get_by_role("tab", name="LoRAs").click()
    page.fill("#qpyt-loras-search textarea", "glow")
    page.wait_for_function("!document.querySelector('#qpyt-loras-table').innerText.includes('browser-ink')")
    assert "demo-flux-glow" in table.inner_text()
    page.fill("#qpyt-loras-search textarea", "")
    table.get_by_text("browser-ink").wait_for(timeout=10_000)
    table.get_by_text("browser-ink").click()
    page.wait_for_function("document.querySelector('#qpyt-loras-details').innerText.includes('ink style')")
    page.click("#qpyt-loras-insert")
    on_generate(page)
    page.wait_for_function(  # the insert is an event of the page: wait for it rather than read at once
        "document.querySelector('#qpyt-prompt textarea').value === 'a harbour, ink style'", timeout=10_000
    )
    page.get_by_role("tab", name="LoRAs").click()
    page.fill("#qpyt-loras-new-name textarea", "harbour ink")
    page.click("#qpyt-loras-rename")
    table.get_by_text("harbour ink").wait_for(timeout=10_000)
    assert (folder / "harbour ink.safetensors").exists() and not (folder / "browser-ink.safetensors").exists()
    page.click("#qpyt-loras-delete")
    page.click("#qpyt-loras-keep")
    assert (folder / "harbour ink.safetensors").exists(), "Keep it deletes nothing"
    page.click("#qpyt-loras-delete")
    page.click("#qpyt-loras-confirm")
    page.wait_for_function("!document.querySelector('#qpyt-loras-table').innerText.includes('harbour ink')")
    assert not (folder / "harbour ink.safetensors").exists()
