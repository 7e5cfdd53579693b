"""What a running job tells the page: step (or tile) k of N, seconds so far and left; and what a stopped
job leaves in its result area: nothing to send on."""

from __future__ import annotations

import gradio as gr
from PIL import Image

from qpyt_gradio.ui import streaming
from qpyt_gradio.ui.panels import ImagesPanel, progress_text
from qpyt_gradio.ui.streaming import QueueReporter, StepEvent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_steps_are_timed_and_the_time_left_follows_the_pace_so_far(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(streaming.time, "monotonic", clock)
    events: list[StepEvent] = []
    reporter = QueueReporter(events.append)
    clock.now += 5  # the model loads
    reporter.step(1, 5, None)
    clock.now += 2
    reporter.step(2, 5, None)
    clock.now += 2
    reporter.step(3, 5, None, "step")
    assert [(event.elapsed, event.left) for event in events] == [(5, None), (7, 6), (9, 4)]
    assert progress_text(events[-1]) == "step 3/5 · 9 s · about 4 s left"


def test_a_new_run_of_steps_starts_its_own_pace(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(streaming.time, "monotonic", clock)
    events: list[StepEvent] = []
    reporter = QueueReporter(events.append)
    for done in (1, 2, 1, 2):  # two workflow steps, or two tiles' samplings
        clock.now += 1
        reporter.step(done, 4, None, "tile")
    assert [event.left for event in events] == [None, 2, None, 2]
    assert progress_text(events[-1]) == "tile 2/4 · 4 s · about 2 s left"
    assert progress_text(StepEvent(4, 4, None, "tile", 6.4, 0)) == "tile 4/4 · 6 s"


def test_the_page_shows_progress_above_the_preview_and_clears_a_stopped_job_s_preview():
    page, api = ImagesPanel(gr.Gallery(), gr.JSON()), ImagesPanel(gr.Gallery(), gr.JSON(), page=False)
    preview = Image.new("RGB", (8, 8))
    shown, _ = page.partial(StepEvent(2, 7, preview, "step", 3.0, 7.5))
    assert shown["label"] == "Result — step 2/7 · 3 s · about 8 s left" and shown["value"] == [preview]
    label_only, _ = page.partial(StepEvent(3, 7, None, "step", 4.0, 5.0))
    assert "value" not in label_only
    assert page.stopped("Cancelled after step 3.")[0]["value"] == []
    assert api.stopped("Cancelled after step 3.") == ([], {"cancelled": True, "message": "Cancelled after step 3."})


def test_a_notice_shows_where_the_result_will_be():
    from qpyt_gradio.ui.panels import SvgPanel
    from qpyt_gradio.ui.streaming import NoticeEvent

    notice = NoticeEvent("preparing background removal: <first use>")
    images = ImagesPanel(gr.Gallery(), gr.JSON())
    assert images.partial(notice)[0]["label"] == "Result — preparing background removal: <first use>"
    svg = SvgPanel(gr.File(), gr.JSON(), gr.HTML())
    assert svg.partial(notice)[2] == "<p>preparing background removal: &lt;first use&gt;…</p>"
    assert ImagesPanel(gr.Gallery(), gr.JSON(), page=False).partial(notice) is None
