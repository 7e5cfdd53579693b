"""The History tab in Chromium: search, pick, Send to, Load into Generate, Open its workflow, Delete."""

import pytest
from gradio_client import Client
from test_browser import browser, on_generate, send_to  # noqa: F401  (the module's browser fixture)

PROMPT = "a saffron submarine"


@pytest.fixture(scope="module")
def page(browser, served_app):  # noqa: F811
    Client(served_app["url"], verbose=False).predict(
        prompt=PROMPT, model="demo-sdxl", width=64, height=64, steps=2, seed=515, num_images=2, api_name="/generate"
    )
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(served_app["url"])
    page.wait_for_selector("#qpyt-prompt textarea")
    return page


def open_history(page, query: str) -> None:
    page.get_by_role("tab", name="History").click()
    page.fill("#qpyt-hist-query textarea", query)
    page.press("#qpyt-hist-query textarea", "Enter")


def pick_first(page) -> None:
    page.locator("#qpyt-hist-grid button.thumbnail-item").first.click()
    page.wait_for_function(
        f"document.querySelector('#qpyt-hist-parameters')?.innerText.includes({PROMPT!r})", timeout=30_000
    )


def test_search_then_send_an_output_to_img2img_with_its_prompt(page):
    open_history(page, "saffron submarine")
    page.wait_for_function("document.querySelectorAll('#qpyt-hist-grid img').length === 2", timeout=30_000)
    assert "Page 1 of 1 · 2 outputs" in page.inner_text("#qpyt-hist-status")
    pick_first(page)
    assert "seed" in page.inner_text("#qpyt-hist-parameters")
    send_to(page, "hist", "Img2img")
    page.wait_for_selector("#qpyt-img2img-source img", timeout=30_000)
    assert page.input_value("#qpyt-img2img-prompt textarea") == PROMPT


def test_load_into_generate_fills_the_prompt_and_seed(page):
    on_generate(page)
    page.fill("#qpyt-prompt textarea", "something else")
    open_history(page, "saffron seed:515")
    page.wait_for_function("document.querySelectorAll('#qpyt-hist-grid img').length === 1", timeout=30_000)
    pick_first(page)
    page.click("#qpyt-hist-load")
    page.wait_for_function(f"document.querySelector('#qpyt-prompt textarea')?.value === {PROMPT!r}", timeout=30_000)
    assert page.input_value("#qpyt-seed input") == "515"
    page.wait_for_selector("[role=tab][aria-selected=true]:has-text('Generate')", timeout=10_000)


def test_open_its_workflow_shows_the_generate_step(page):
    open_history(page, "saffron submarine")
    page.wait_for_function("document.querySelectorAll('#qpyt-hist-grid img').length === 2", timeout=30_000)
    pick_first(page)
    page.click("#qpyt-hist-workflow")
    page.wait_for_function(
        f"[...document.querySelectorAll('#qpyt-workflow-steps textarea')].some(t => t.value === {PROMPT!r})",
        timeout=30_000,
    )
    page.wait_for_selector("[role=tab][aria-selected=true]:has-text('Workflow')", timeout=10_000)


def test_delete_asks_first_then_removes_the_file(page, served_app):
    open_history(page, "saffron submarine")
    page.wait_for_function("document.querySelectorAll('#qpyt-hist-grid img').length === 2", timeout=30_000)
    pick_first(page)
    page.click("#qpyt-hist-delete")
    page.wait_for_selector("#qpyt-hist-confirm", state="visible", timeout=30_000)
    doomed = page.inner_text("#qpyt-hist-doomed").split("Delete ", 1)[1].split(" from", 1)[0]
    assert (served_app["outputs"] / doomed).is_file()
    page.click("#qpyt-hist-confirm")
    page.wait_for_function("document.querySelectorAll('#qpyt-hist-grid img').length === 1", timeout=30_000)
    assert not (served_app["outputs"] / doomed).exists()
