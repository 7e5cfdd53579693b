"""Components of the page that several bricks wire into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from qpyt_gradio.ui.sidebar import Sidebar


@dataclass
class PageParts:
    """Shared components: the sidebar, the session gallery and its paths, the brick tabs, the
    Generate prompt, the image inputs other bricks can send to, and the send buttons to wire."""

    sidebar: Sidebar
    history: gr.Gallery
    history_paths: gr.State
    tabs: gr.Tabs | None = None
    prompt: gr.Textbox | None = None
    targets: dict[str, tuple[str, Any]] = field(default_factory=dict)
    sends: list[tuple[gr.Button, gr.Gallery, gr.State, str]] = field(default_factory=list)
