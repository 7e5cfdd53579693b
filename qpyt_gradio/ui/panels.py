"""Where a brick's run shows in the page (or returns in the API): images, an SVG, or a text.

A panel turns the job's events into updates of its components: previews and streamed text
while it runs, then the result, or a note when it was cancelled.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any, Protocol

import gradio as gr

from qpyt_gradio.bricks.contract import Brick, Holds, Result
from qpyt_gradio.ui.streaming import NoticeEvent, StepEvent, TextEvent, WaitEvent

PREVIEW_SVG_BYTES = 3 * 1024**2
RESULT_LABEL = "Result"


def waiting_label(ahead: int) -> str:
    """What a result area says while its job waits for the GPU lane."""
    return f"Result — waiting, {ahead} job{'s' if ahead != 1 else ''} to go before yours"


def progress_text(event: StepEvent) -> str:
    """A running job's progress: "step 3/20 · 4 s · about 21 s left"."""
    pieces = [f"{event.unit} {event.done}/{event.total}", f"{event.elapsed:.0f} s"]
    if event.left is not None and event.done < event.total:
        pieces.append(f"about {event.left:.0f} s left")
    return " · ".join(pieces)


class Panel(Protocol):
    @property
    def outputs(self) -> list[Any]: ...

    def partial(self, event: object) -> tuple[Any, ...] | None: ...

    def final(self, result: Result) -> tuple[Any, ...]: ...

    def stopped(self, message: str) -> tuple[Any, ...]: ...


@dataclass(frozen=True)
class ImagesPanel:
    """A gallery (live previews, then the saved images) and the parameters used. In the page (``page``)
    the gallery's label tells the job's place while it waits for the GPU lane; API clients get values."""

    gallery: gr.Gallery
    used: gr.JSON
    page: bool = True

    @property
    def outputs(self) -> list[Any]:
        return [self.gallery, self.used]

    def partial(self, event: object) -> tuple[Any, ...] | None:
        if isinstance(event, WaitEvent) and self.page:
            return gr.update(label=waiting_label(event.ahead)), gr.skip()
        if isinstance(event, NoticeEvent) and self.page:
            return gr.update(label=f"{RESULT_LABEL} — {event.text}"), gr.skip()
        if isinstance(event, StepEvent) and self.page:
            label = f"{RESULT_LABEL} — {progress_text(event)}"
            shown = {"label": label} if event.preview is None else {"value": [event.preview], "label": label}
            return gr.update(**shown), gr.skip()
        if isinstance(event, StepEvent) and event.preview is not None:
            return [event.preview], gr.skip()
        return None

    def final(self, result: Result) -> tuple[Any, ...]:
        return self._shown([str(path) for path in result.paths]), result.parameters

    def stopped(self, message: str) -> tuple[Any, ...]:
        """A stopped job shows no image: its last preview is not a result to send on."""
        cleared = gr.update(value=[], label=RESULT_LABEL) if self.page else []
        return cleared, {"cancelled": True, "message": message}

    def _shown(self, images: list[Any]) -> Any:
        """``images`` in the gallery (in the page, under its own label again)."""
        return gr.update(value=images, label=RESULT_LABEL) if self.page else images


@dataclass(frozen=True)
class SvgPanel:
    """The SVG file, the parameters used, and (in the page) the SVG shown as an image."""

    file: gr.File
    used: gr.JSON
    shown: gr.HTML | None = None

    @property
    def outputs(self) -> list[Any]:
        return [self.file, self.used, *([self.shown] if self.shown is not None else [])]

    def partial(self, event: object) -> tuple[Any, ...] | None:
        if isinstance(event, NoticeEvent) and self.shown is not None:
            return gr.skip(), gr.skip(), f"<p>{html.escape(event.text)}…</p>"
        return None

    def final(self, result: Result) -> tuple[Any, ...]:
        values = (str(result.paths[0]), result.parameters)
        return (*values, svg_preview(result)) if self.shown is not None else values

    def stopped(self, message: str) -> tuple[Any, ...]:
        return tuple(gr.skip() for _ in self.outputs)


@dataclass(frozen=True)
class TextPanel:
    """A text box (written as it streams) and, where the API returns one, the note."""

    text: gr.Textbox
    note: Any = None

    @property
    def outputs(self) -> list[Any]:
        return [self.text, *([self.note] if self.note is not None else [])]

    def partial(self, event: object) -> tuple[Any, ...] | None:
        if isinstance(event, TextEvent):
            return (event.text, *([gr.skip()] if self.note is not None else []))
        return None

    def final(self, result: Result) -> tuple[Any, ...]:
        return (result.text, *([" ".join(result.notes)] if self.note is not None else []))

    def stopped(self, message: str) -> tuple[Any, ...]:
        return tuple(gr.skip() for _ in self.outputs)


def svg_preview(result: Result) -> str:
    """The SVG shown as an image (an <img> runs no script), or a note when it is too large to show."""
    statistics = result.parameters
    size = f"{statistics['paths']} paths · {statistics['colors']} colours · {statistics['bytes'] / 1024:.0f} KB"
    if statistics["bytes"] > PREVIEW_SVG_BYTES:
        return f"<p>{size} — too large to preview here; download the file.</p>"
    encoded = base64.b64encode(result.paths[0].read_bytes()).decode()
    return (
        f'<img id="qpyt-vectorize-svg" src="data:image/svg+xml;base64,{encoded}" '
        f'style="max-width:100%;max-height:480px;background:#fff"/><p>{size}</p>'
    )


def hidden_panel(brick: Brick) -> Panel:
    """The outputs of ``brick``'s API endpoint, as hidden components."""
    if brick.gives is Holds.IMAGES:
        return ImagesPanel(gr.Gallery(visible=False, format="png", type="filepath"), gr.JSON(visible=False), page=False)
    if brick.gives is Holds.SVG:
        return SvgPanel(gr.File(visible=False), gr.JSON(visible=False))
    return TextPanel(gr.Textbox(visible=False), gr.Textbox(visible=False) if brick.returns_note else None)
