"""Components of the page that several tabs wire into."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gradio as gr

from qpyt_gradio.ui.sidebar import Sidebar

if TYPE_CHECKING:
    from qpyt_gradio.ui.send import SendList, SendTarget


@dataclass(frozen=True)
class Opener:
    """How a tab opens an output file: ``handler(path, *inputs)`` fills ``outputs`` (with the event's
    ``options``); the page then shows ``tab``."""

    tab: str
    handler: Callable[..., Any]
    inputs: list[Any]
    outputs: list[Any]
    options: dict[str, Any]


@dataclass
class PageParts:
    """Shared components: the page itself, the sidebar, the session's choices (kept in the browser), the session
    gallery and its paths, the Workflow tab's draft, the tabs, the Generate prompt (and its text before a
    helper changed it), the image inputs other tabs can send to, the "Send to" lists to wire once every tab
    exists, the LoRA and style pickers that a rescan refreshes, every tab by id, and how tabs open an output
    file ("Load into Generate", "Open its workflow")."""

    app: gr.Blocks
    sidebar: Sidebar
    choices: gr.BrowserState
    history: gr.Gallery
    history_paths: gr.State
    draft: gr.State
    draft_layout: gr.State
    tabs: gr.Tabs | None = None
    prompt: gr.Textbox | None = None
    prompt_before: gr.State | None = None
    targets: dict[str, SendTarget] = field(default_factory=dict)
    sends: list[SendList] = field(default_factory=list)
    lora_pickers: list[gr.Dropdown] = field(default_factory=list)
    style_pickers: list[gr.Dropdown] = field(default_factory=list)
    tab_items: dict[str, gr.Tab] = field(default_factory=dict)
    openers: dict[str, Opener] = field(default_factory=dict)
