"""Assemble the page: sidebar, one tab per brick of the table (and the Workflow tab), the gallery of
this session's outputs, and the API with one endpoint per brick."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio import __version__
from qpyt_gradio.bricks.contract import Brick, Holds
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.ui import assets
from qpyt_gradio.ui.api import brick_endpoint, reading_endpoints, workflow_endpoint
from qpyt_gradio.ui.forms import BrickForm, control
from qpyt_gradio.ui.panels import Panel, SvgPanel, TextPanel, hidden_panel
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.running import result_area, wire_brick, wire_image_brick
from qpyt_gradio.ui.send import send_bar, wire_sends
from qpyt_gradio.ui.sidebar import build_sidebar
from qpyt_gradio.ui.tabs import TAB_LABELS
from qpyt_gradio.ui.tabs.background import build_background
from qpyt_gradio.ui.tabs.edit_controls import source_image
from qpyt_gradio.ui.tabs.generate import build_generate
from qpyt_gradio.ui.tabs.history import build_history
from qpyt_gradio.ui.tabs.img2img import build_img2img
from qpyt_gradio.ui.tabs.inpaint import build_inpaint
from qpyt_gradio.ui.tabs.loras import build_loras
from qpyt_gradio.ui.tabs.outpaint import build_outpaint
from qpyt_gradio.ui.tabs.prompt_tools import build_prompt_tools
from qpyt_gradio.ui.tabs.retouch import build_retouch
from qpyt_gradio.ui.tabs.upscale import build_upscale
from qpyt_gradio.ui.tabs.vectorize import build_vectorize
from qpyt_gradio.ui.tabs.workflow import build_workflow
from qpyt_gradio.ui.workflow_draft import new_draft
from qpyt_gradio.workspace import Workspace

TabBuilder = Callable[[Workspace, PageParts], None]
TAB_BUILDERS: dict[str, TabBuilder] = {
    "generate": build_generate,
    "img2img": build_img2img,
    "inpaint": build_inpaint,
    "outpaint": build_outpaint,
    "upscale": build_upscale,
    "background": build_background,
    "vectorize": build_vectorize,
    "retouch": build_retouch,
    "prompt-tools": build_prompt_tools,
}

UPLOADS_KEPT = (3600, 86400)
"""Every hour, the files this page received or handed out more than a day ago leave Gradio's cache."""

DEMO_BANNER = (
    "**Demo mode** — the `demo-*` models are tiny random networks built on this machine: they draw noise, "
    "fast, with no download and no GPU, so that every part of the app can be tried."
)


def tabs_in_order() -> list[tuple[str, str, TabBuilder]]:
    """(tab id, label, builder) for every tab of the brick table, in table order, then the LoRAs & styles
    tab (after every prompt box, whose pickers it refreshes), the Workflow tab and the History tab (after the
    tabs it opens outputs in).

    A tab with no builder of its own shows its brick's fields as a form."""
    tabs: dict[str, tuple[str, str, TabBuilder]] = {}
    for brick in BRICKS.values():
        if brick.tab not in tabs:
            builder = TAB_BUILDERS.get(brick.tab) or _form_tab(brick)
            tabs[brick.tab] = (brick.tab, TAB_LABELS.get(brick.tab, brick.label), builder)
    return [
        *tabs.values(),
        ("loras", TAB_LABELS["loras"], build_loras),
        ("workflow", TAB_LABELS["workflow"], build_workflow),
        ("history", TAB_LABELS["history"], build_history),
    ]


def _form_tab(brick: Brick) -> TabBuilder:
    """A tab made from ``brick``'s request type: its file inputs, its fields, and where its result shows."""

    def build(workspace: Workspace, parts: PageParts) -> None:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                inputs: dict[str, Any] = {
                    item.name: source_image(f"{brick.name}-{item.name}") for item in brick.file_fields
                }
                for item in brick.settable_fields:
                    inputs[item.name] = parts.sidebar.model if item.param.kind == "model" else control(workspace, item)
            with gr.Column(scale=2):
                if brick.gives is Holds.IMAGES:
                    area = result_area(brick.label, brick.name)
                else:
                    run = gr.Button(brick.label, variant="primary", elem_id=f"qpyt-{brick.name}-run")
                    panel = _shown_panel(brick)
        form = BrickForm(brick, inputs)
        if brick.gives is Holds.IMAGES:
            wire_image_brick(workspace, parts, form, area)
        else:
            wire_brick(workspace, parts, form, run, panel)

    return build


def _shown_panel(brick: Brick) -> Panel:
    if brick.gives is Holds.SVG:
        return SvgPanel(gr.File(label="SVG"), gr.JSON(label="Parameters used"), gr.HTML())
    return TextPanel(gr.Textbox(label="Result", lines=5, elem_id=f"qpyt-{brick.name}-text"))


def build_app(workspace: Workspace) -> gr.Blocks:
    """The whole Blocks page for ``workspace``; launch it with :func:`launch_options`."""
    with gr.Blocks(title="Qpyt-UI", fill_width=True, analytics_enabled=False, delete_cache=UPLOADS_KEPT) as app:
        sidebar = build_sidebar(workspace, app)
        gr.Markdown(f"## Qpyt-UI <small>{__version__}</small>")
        if workspace.settings.demo:
            gr.Markdown(DEMO_BANNER, elem_id="qpyt-demo-banner")
        with gr.Row(equal_height=False), gr.Column(scale=4):
            history = gr.Gallery(
                label="This session's outputs",
                format="png",
                columns=8,
                rows=1,
                height=200,
                object_fit="cover",
                preview=False,
                type="filepath",
                interactive=False,
                render=False,
                elem_id="qpyt-history",
            )
            parts = PageParts(app, sidebar, sidebar.choices, history, gr.State([]), gr.State(new_draft()), gr.State(0))
            with gr.Tabs(overflow_behavior="wrap") as parts.tabs:
                for key, label, build in tabs_in_order():
                    with gr.Tab(label, id=key) as parts.tab_items[key]:
                        build(workspace, parts)
            history.render()
            send_bar(parts, history, "history")
            wire_sends(parts)
        for brick in BRICKS.values():
            brick_endpoint(workspace, brick, hidden_panel(brick))
        workflow_endpoint(workspace)
        reading_endpoints(workspace)
    return app


def launch_options(workspace: Workspace) -> dict[str, Any]:
    """Keyword arguments of ``Blocks.launch`` for the workspace's settings."""
    settings = workspace.settings
    settings.outputs_dir.mkdir(parents=True, exist_ok=True)
    return {
        "allowed_paths": _outputs_to_allow(settings.outputs_dir),
        "server_name": settings.host,
        "server_port": settings.port,
        "share": settings.share,
        "auth": settings.auth,
        "theme": assets.THEME,
        "css": assets.CSS,
        "js": assets.JS,
        "footer_links": ["api"],  # the sidebar has the one "Settings"
        "mcp_server": settings.mcp,
        "enable_monitoring": False,
        "quiet": True,
    }


def _outputs_to_allow(outputs_dir: Path) -> list[str]:
    """Gradio hands out files from the working and temp folders through its cache, unguessably.

    Only an outputs folder elsewhere has to be allowed explicitly (and is then served as is).
    """
    folder = outputs_dir.resolve()
    if folder.is_relative_to(Path.cwd().resolve()) or folder.is_relative_to(Path(tempfile.gettempdir()).resolve()):
        return []
    return [str(folder)]
