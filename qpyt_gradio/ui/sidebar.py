"""The sidebar: model picker, memory panel and settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from qpyt_gradio.helpers.kinds import ENHANCE, enhancer_choices
from qpyt_gradio.settings import MEMORY_STRATEGIES
from qpyt_gradio.ui.api import GPU_QUEUE
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.workspace import AppContext

MEMORY_HEADERS = ["Model", "Where", "Size"]


@dataclass(frozen=True)
class Sidebar:
    """Sidebar components other parts of the page wire into."""

    model: gr.Dropdown
    memory_table: gr.Dataframe
    device: gr.Markdown

    @property
    def memory_outputs(self) -> list[Any]:
        return [self.memory_table, self.device]


def _size(count: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def memory_panel(ctx: AppContext) -> tuple[list[list[str]], str]:
    """Rows of what is resident, and a line about the device; never creates the registry."""
    registry = ctx.registry_if_created()
    if registry is None:
        return [], "Nothing loaded yet; the device is probed at the first generation."
    rows = [[f"{row.name} ({row.role})", row.placement, _size(row.bytes)] for row in registry.report()]
    device = registry.device
    line = f"**{device.name}**"
    if device.kind == "cuda":
        line += f" · {_size(device.total_bytes)} VRAM"
    line += f" · strategy: {registry.requested_strategy}"
    return rows, line


def build_sidebar(ctx: AppContext) -> Sidebar:
    """Build the sidebar inside the current Blocks and wire its own events."""
    with gr.Sidebar(label="Qpyt-UI", width=380):
        model = gr.Dropdown(
            choices=ctx.catalog.choices(),
            value=ctx.catalog.default_name(),
            label="Model",
            allow_custom_value=True,
            elem_id="qpyt-model",
        )
        refresh_models = gr.Button("↻ Rescan models folder", size="sm")
        unusable = gr.Markdown(_unusable_note(ctx))
        gr.Markdown("### Memory")
        rows, line = memory_panel(ctx)
        memory_table = gr.Dataframe(
            value=rows, headers=MEMORY_HEADERS, interactive=False, wrap=True, elem_id="qpyt-memory"
        )
        device = gr.Markdown(line)
        with gr.Row():
            refresh_memory = gr.Button("Refresh", size="sm")
            free = gr.Button("Free memory", size="sm", variant="stop")
        with gr.Accordion("Settings", open=False):
            strategy = gr.Dropdown(
                choices=list(MEMORY_STRATEGIES),
                value=ctx.settings.memory,
                label="Memory strategy",
                info="auto picks from the free VRAM; the loaded model is released when this changes.",
            )
            live_preview = gr.Checkbox(value=ctx.live_preview, label="Live preview while sampling")
            auto_translate = gr.Checkbox(value=ctx.auto_translate, label="Translate French prompts before generating")
            enhancer = gr.Dropdown(
                choices=enhancer_choices(ctx.settings),
                value=enhancer_choices(ctx.settings)[0],
                label="Prompt enhancer model",
                info="0.5B is faster on small machines; 1.5B writes better prompts.",
            )
    sidebar = Sidebar(model, memory_table, device)

    def rescan() -> tuple[Any, str]:
        ctx.catalog.refresh()
        return gr.update(choices=ctx.catalog.choices()), _unusable_note(ctx)

    def free_all() -> tuple[list[list[str]], str]:
        registry = ctx.registry_if_created()
        if registry is not None:
            registry.unload_all()
        return memory_panel(ctx)

    @user_errors
    def change_strategy(value: str) -> tuple[list[list[str]], str]:
        ctx.registry.set_requested_strategy(value)
        return memory_panel(ctx)

    def change_preview(value: bool) -> None:
        ctx.live_preview = value

    def change_auto_translate(value: bool) -> None:
        ctx.auto_translate = value

    @user_errors
    def change_enhancer(model_id: str) -> tuple[list[list[str]], str]:
        from qpyt_gradio.helpers.models import helper_spec

        ctx.registry.register_helper(helper_spec(ENHANCE, model_id, ctx.settings.demo_models_dir))
        return memory_panel(ctx)

    private = {"api_visibility": "private"}
    refresh_models.click(rescan, None, [model, unusable], **private)
    refresh_memory.click(lambda: memory_panel(ctx), None, sidebar.memory_outputs, **private)
    free.click(free_all, None, sidebar.memory_outputs, **GPU_QUEUE, **private)
    strategy.change(change_strategy, strategy, sidebar.memory_outputs, **GPU_QUEUE, **private)
    live_preview.change(change_preview, live_preview, None, **private)
    auto_translate.change(change_auto_translate, auto_translate, None, **private)
    enhancer.change(change_enhancer, enhancer, sidebar.memory_outputs, **GPU_QUEUE, **private)
    gr.Timer(3.0).tick(lambda: memory_panel(ctx), None, sidebar.memory_outputs, show_progress="hidden", **private)
    return sidebar


def _unusable_note(ctx: AppContext) -> str:
    problems = ctx.catalog.unusable()
    if not problems:
        return ""
    return "**Not loadable:**\n" + "\n".join(f"- `{item.name}`: {item.reason}" for item in problems)
