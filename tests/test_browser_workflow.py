"""The Workflow tab in Chromium: a step's styles and the prompts they make, Up/Down, Rename and Delete of a saved
workflow, loading a preset, Cancel of a run."""

import json

import pytest
from test_browser import browser, pick_brick  # noqa: F401  (the module's browser fixture)

STEP_TITLES = "[...document.querySelectorAll('#qpyt-workflow-steps .qpyt-step strong')].map(title => title.innerText)"
STATUS = "document.querySelector('#qpyt-workflow-status').innerText"


@pytest.fixture(scope="module")
def page(browser, served_app):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(served_app["url"])
    page.wait_for_selector("#qpyt-prompt textarea")
    page.get_by_role("tab", name="Workflow").click()
    page.wait_for_selector("#qpyt-workflow-add")
    return page


def step_titles(page) -> list[str]:
    return page.evaluate(STEP_TITLES)


def wait_for_titles(page, titles: list[str]) -> None:
    page.wait_for_function(
        f"(titles) => JSON.stringify({STEP_TITLES}) === JSON.stringify(titles)", arg=titles, timeout=30_000
    )


def clear_steps(page) -> None:
    """Remove every step of the draft, one Remove at a time."""
    while count := len(step_titles(page)):
        page.click("#qpyt-workflow-remove-1")
        page.wait_for_function(f"{STEP_TITLES}.length === {count - 1}", timeout=30_000)


def add_step(page, label: str, count: int) -> None:
    """Add a ``label`` step, which makes ``count`` steps."""
    pick_brick(page, label)
    page.click("#qpyt-workflow-add")
    page.wait_for_function(f"{STEP_TITLES}.length === {count}", timeout=30_000)


def move(page, position: int, direction: str) -> None:
    page.locator("#qpyt-workflow-steps").get_by_role("button", name=direction, exact=True).nth(position - 1).click()


def listed(page, selector: str) -> list[str]:
    """The options the dropdown ``selector`` lists when opened (then closed again)."""
    page.click(f"{selector} input")
    page.wait_for_selector("ul[role=listbox] li", timeout=10_000)
    options = page.locator("ul[role=listbox] li").evaluate_all("items => items.map(item => item.ariaLabel)")
    page.press(f"{selector} input", "Escape")
    page.locator(f"{selector} input").blur()
    page.wait_for_selector("ul[role=listbox]", state="detached", timeout=10_000)
    return options


def choose(page, selector: str, text: str) -> None:
    """Open the dropdown ``selector`` and pick the option that starts with ``text``."""
    page.click(f"{selector} input")
    page.locator(f"ul[role=listbox] li[aria-label^={json.dumps(text)}]").click()
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector + ' input').value.startsWith(text)",
        arg=[selector, text],
        timeout=10_000,
    )


def save_as(page, name: str, prompt: str, served_app) -> dict:
    """A one-step Generate workflow saved as ``name`` from the tab; its file's content."""
    clear_steps(page)
    add_step(page, "Generate", 1)
    page.fill("#qpyt-workflow-1-prompt textarea", prompt)
    page.locator("#qpyt-workflow-name").get_by_role("textbox").fill(name)
    page.click("#qpyt-workflow-save")
    page.wait_for_function(f"document.querySelector('#qpyt-workflow-saved input').value === {name!r}", timeout=30_000)
    return json.loads((served_app["workflows"] / f"{name}.json").read_text())


def test_a_step_s_styles_are_found_by_category_and_its_final_prompts_are_shown(page):
    clear_steps(page)
    add_step(page, "Generate", 1)
    page.fill("#qpyt-workflow-1-prompt textarea", "a lighthouse")
    page.click("#qpyt-workflow-1-styles input")
    page.keyboard.type("Film")
    page.locator("ul[role=listbox] li", has_text="Cinematic Still · Film").first.click()
    page.press("#qpyt-workflow-1-styles input", "Escape")
    final = "[...document.querySelectorAll('#qpyt-workflow-steps textarea')].map(box => box.value).join('|')"
    page.wait_for_function(f"{final}.includes('cinematic film still of a lighthouse')", timeout=30_000)
    assert "Negative: " in page.evaluate(final)


def test_up_and_down_reorder_the_steps_and_their_values_move_with_them(page, served_app):
    clear_steps(page)
    add_step(page, "Generate", 1)
    page.fill("#qpyt-workflow-1-prompt textarea", "a lighthouse on the move")
    add_step(page, "Retouch", 2)
    page.locator("#qpyt-workflow-2-brightness input[type=number]").fill("17")
    page.locator("#qpyt-workflow-2-brightness input[type=number]").press("Tab")
    add_step(page, "Vectorize", 3)
    assert step_titles(page) == ["Step 1 · Generate", "Step 2 · Retouch", "Step 3 · Vectorize"]
    move(page, 1, "Down")
    wait_for_titles(page, ["Step 1 · Retouch", "Step 2 · Generate", "Step 3 · Vectorize"])
    assert page.input_value("#qpyt-workflow-2-prompt textarea") == "a lighthouse on the move"
    assert page.input_value("#qpyt-workflow-1-brightness input[type=number]") == "17"
    move(page, 3, "Up")
    wait_for_titles(page, ["Step 1 · Retouch", "Step 2 · Vectorize", "Step 3 · Generate"])
    assert page.input_value("#qpyt-workflow-3-prompt textarea") == "a lighthouse on the move"
    page.locator("#qpyt-workflow-name").get_by_role("textbox").fill("moved steps")
    page.click("#qpyt-workflow-save")
    page.wait_for_function(
        "document.querySelector('#qpyt-workflow-saved input').value === 'moved steps'", timeout=30_000
    )
    saved = json.loads((served_app["workflows"] / "moved steps.json").read_text())
    assert [step["brick"] for step in saved["steps"]] == ["retouch", "vectorize", "generate"]
    assert saved["steps"][0]["params"]["brightness"] == 17
    assert saved["steps"][2]["params"]["prompt"] == "a lighthouse on the move"


def test_rename_a_saved_workflow_renames_its_file_and_refuses_a_taken_name(page, served_app):
    folder = served_app["workflows"]
    kept = save_as(page, "harbour draft", "a harbour at dawn", served_app)
    save_as(page, "taken name", "a taken name", served_app)
    choose(page, "#qpyt-workflow-saved", "harbour draft")
    page.fill("#qpyt-workflow-new-name textarea", "harbour final")
    page.click("#qpyt-workflow-rename")
    page.wait_for_selector("text=Renamed harbour draft to harbour final.", timeout=30_000)
    page.wait_for_function(
        "document.querySelector('#qpyt-workflow-saved input').value === 'harbour final'", timeout=30_000
    )
    names = listed(page, "#qpyt-workflow-saved")
    assert "harbour final" in names and "harbour draft" not in names
    assert not (folder / "harbour draft.json").exists()
    assert json.loads((folder / "harbour final.json").read_text()) == {**kept, "name": "harbour final"}
    page.fill("#qpyt-workflow-new-name textarea", "taken name")
    page.click("#qpyt-workflow-rename")
    page.wait_for_selector("text=A workflow named 'taken name' exists already: choose another name.", timeout=30_000)
    assert (folder / "harbour final.json").exists()
    assert json.loads((folder / "taken name.json").read_text())["steps"][0]["params"]["prompt"] == "a taken name"


def test_delete_a_saved_workflow_asks_first_then_removes_it_from_the_list_and_the_folder(page, served_app):
    """Delete… asks; Keep it deletes nothing; Delete it for good removes the file; with nothing picked it asks for
    a pick."""
    folder = served_app["workflows"]
    save_as(page, "doomed", "a doomed sandcastle", served_app)
    save_as(page, "survivor", "a surviving sandcastle", served_app)
    choose(page, "#qpyt-workflow-saved", "doomed")
    page.click("#qpyt-workflow-delete")
    page.click("#qpyt-workflow-keep")
    page.wait_for_selector("#qpyt-workflow-confirm", state="hidden", timeout=30_000)
    assert (folder / "doomed.json").exists(), "Keep it deletes nothing"
    page.click("#qpyt-workflow-delete")
    page.click("#qpyt-workflow-confirm")
    page.wait_for_selector("text=Deleted doomed.", timeout=30_000)
    page.wait_for_function("document.querySelector('#qpyt-workflow-saved input').value === ''", timeout=30_000)
    names = listed(page, "#qpyt-workflow-saved")
    assert "doomed" not in names and "survivor" in names
    assert not (folder / "doomed.json").exists() and (folder / "survivor.json").exists()
    page.click("#qpyt-workflow-delete")
    page.wait_for_selector("text=Pick the saved workflow to delete first.", timeout=30_000)
    assert (folder / "survivor.json").exists()


def test_load_a_preset_shows_its_steps_and_save_keeps_a_copy_in_the_workflows_folder(page, served_app):
    from qpyt_gradio.settings import PRESETS_DIR

    shipped = (PRESETS_DIR / "photo-retouch-ai-cleanup.json").read_text()
    clear_steps(page)
    assert page.get_by_text("Presets (read-only: Save keeps a copy in your workflows)").is_visible()
    presets = listed(page, "#qpyt-workflow-preset")
    assert len(presets) == len(list(PRESETS_DIR.glob("*.json")))
    assert any(name.startswith("photo-retouch-ai-cleanup — Auto levels, a little contrast") for name in presets)
    choose(page, "#qpyt-workflow-preset", "photo-retouch-ai-cleanup")
    page.click("#qpyt-workflow-load-preset")
    wait_for_titles(page, ["Step 1 · Retouch", "Step 2 · Img2img"])
    page.wait_for_selector("text=Loaded photo-retouch-ai-cleanup: 2 step(s).", timeout=30_000)
    assert page.locator("#qpyt-workflow-1-auto_levels input").is_checked()
    assert page.input_value("#qpyt-workflow-2-prompt textarea") == "clean, sharp, high quality photo"
    assert page.locator("#qpyt-workflow-name").get_by_role("textbox").input_value() == "photo-retouch-ai-cleanup"
    page.click("#qpyt-workflow-save")
    page.wait_for_function(
        "document.querySelector('#qpyt-workflow-saved input').value === 'photo-retouch-ai-cleanup'", timeout=30_000
    )
    copy = json.loads((served_app["workflows"] / "photo-retouch-ai-cleanup.json").read_text())
    assert [step["brick"] for step in copy["steps"]] == ["retouch", "img2img"]
    assert (PRESETS_DIR / "photo-retouch-ai-cleanup.json").read_text() == shipped, "the preset is left as shipped"


def test_cancel_a_running_workflow_keeps_the_finished_step_and_the_tab_runs_again(page, served_app):
    clear_steps(page)
    assert page.is_disabled("#qpyt-workflow-cancel"), "Cancel waits for a run"
    add_step(page, "Generate", 1)
    page.fill("#qpyt-workflow-1-prompt textarea", "a quick first step")
    for name, value in (("steps", "2"), ("width", "64"), ("height", "64")):
        page.locator(f"#qpyt-workflow-1-{name} input").fill(value)
    add_step(page, "Generate", 2)
    page.fill("#qpyt-workflow-2-prompt textarea", "a very long second step")
    for name, value in (("steps", "150"), ("width", "1024"), ("height", "1024")):
        page.locator(f"#qpyt-workflow-2-{name} input").fill(value)
    page.fill("#qpyt-workflow-2-input input", "{}")
    page.press("#qpyt-workflow-2-input input", "Enter")
    page.click("#qpyt-workflow-run")
    page.wait_for_function(f"{STATUS}.includes('Step 2 of 2') && /step \\d+\\/150/.test({STATUS})", timeout=60_000)
    assert page.is_enabled("#qpyt-workflow-cancel")
    page.click("#qpyt-workflow-cancel")
    page.wait_for_selector("text=Cancelling: the job stops after the current step.", timeout=30_000)
    page.wait_for_function(f"{STATUS}.includes('Stopped')", timeout=60_000)
    status = page.inner_text("#qpyt-workflow-status")
    assert "Step 2 (generate): Cancelled after step" in status
    kept = status.split("The outputs of steps 1–1 are kept: ", 1)[1].rstrip(".")
    assert len(list(served_app["outputs"].rglob(kept))) == 1
    page.wait_for_function("document.querySelectorAll('#qpyt-workflow-result img').length === 1", timeout=30_000)
    page.wait_for_function("document.querySelector('#qpyt-workflow-cancel').disabled", timeout=30_000)
    page.click("#qpyt-workflow-remove-2")
    wait_for_titles(page, ["Step 1 · Generate"])
    page.click("#qpyt-workflow-run")
    page.wait_for_function(f"{STATUS}.includes('Done')", timeout=60_000)
    assert "Done: 1 step(s), 1 file(s)" in page.inner_text("#qpyt-workflow-status")
    page.wait_for_function("document.querySelector('#qpyt-workflow-cancel').disabled", timeout=30_000)
