"""Components of the page that several bricks wire into."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from qpyt_gradio.ui.sidebar import Sidebar


@dataclass
class PageParts:
    """The sidebar, the session gallery and its paths, and the Generate prompt (set by that brick)."""

    sidebar: Sidebar
    history: gr.Gallery
    history_paths: gr.State
    prompt: gr.Textbox | None = None
