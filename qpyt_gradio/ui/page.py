"""Assemble the page: sidebar, one tab per brick, and the gallery of this session's outputs."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio import __version__
from qpyt_gradio.ui import assets
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.send import send_bar, wire_sends
from qpyt_gradio.ui.sidebar import build_sidebar
from qpyt_gradio.ui.tabs.background import build_background
from qpyt_gradio.ui.tabs.generate import build_generate
from qpyt_gradio.ui.tabs.img2img import build_img2img
from qpyt_gradio.ui.tabs.inpaint import build_inpaint
from qpyt_gradio.ui.tabs.outpaint import build_outpaint
from qpyt_gradio.ui.tabs.prompt_tools import build_prompt_tools
from qpyt_gradio.ui.tabs.retouch import build_retouch
from qpyt_gradio.ui.tabs.upscale import build_upscale
from qpyt_gradio.ui.tabs.vectorize import build_vectorize
from qpyt_gradio.workspace import AppContext

BrickBuilder = Callable[[AppContext, PageParts], None]
BRICKS: tuple[tuple[str, str, BrickBuilder], ...] = (
    ("generate", "Generate", build_generate),
    ("img2img", "Img2img", build_img2img),
    ("inpaint", "Inpaint", build_inpaint),
    ("outpaint", "Outpaint", build_outpaint),
    ("upscale", "Upscale", build_upscale),
    ("background", "Background", build_background),
    ("vectorize", "Vectorize", build_vectorize),
    ("retouch", "Retouch", build_retouch),
    ("prompt-tools", "Prompt tools", build_prompt_tools),
)

DEMO_BANNER = (
    "**Demo mode** — the `demo-*` models are tiny random networks built on this machine: they draw noise, "
    "fast, with no download and no GPU, so that every part of the app can be tried."
)


def build_app(ctx: AppContext) -> gr.Blocks:
    """The whole Blocks page for ``ctx``; launch it with :func:`launch_options`."""
    with gr.Blocks(title="Qpyt-UI", fill_width=True, analytics_enabled=False) as app:
        sidebar = build_sidebar(ctx)
        gr.Markdown(f"## Qpyt-UI <small>{__version__}</small>")
        if ctx.settings.demo:
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
            parts = PageParts(sidebar, history, gr.State([]))
            with gr.Tabs() as parts.tabs:
                for key, label, build in BRICKS:
                    with gr.Tab(label, id=key):
                        build(ctx, parts)
            history.render()
            send_bar(parts, history, "history")
            wire_sends(parts)
    return app


def launch_options(ctx: AppContext) -> dict[str, Any]:
    """Keyword arguments of ``Blocks.launch`` for ``ctx``'s settings."""
    settings = ctx.settings
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
        "footer_links": ["api", "settings"],
    }


def _outputs_to_allow(outputs_dir: Path) -> list[str]:
    """Gradio hands out files from the working and temp folders through its cache, unguessably.

    Only an outputs folder elsewhere has to be allowed explicitly (and is then served as is).
    """
    folder = outputs_dir.resolve()
    if folder.is_relative_to(Path.cwd().resolve()) or folder.is_relative_to(Path(tempfile.gettempdir()).resolve()):
        return []
    return [str(folder)]
