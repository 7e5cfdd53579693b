"""The sidebar: model picker, memory panel, the Queue panel and settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.contract import Choices
from qpyt_gradio.helpers.kinds import enhancer_choices
from qpyt_gradio.models.bitsandbytes_option import unavailable_reason
from qpyt_gradio.settings import MEMORY_STRATEGIES
from qpyt_gradio.ui.api import GPU_QUEUE, PRIVATE
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.queue_panel import build_queue_panel
from qpyt_gradio.workspace import Workspace

MEMORY_HEADERS = ["Model", "Where", "Size"]


@dataclass(frozen=True)
class Sidebar:
    """Sidebar components other parts of the page wire into; ``choices`` is the session's own
    settings, kept in the browser."""

    model: gr.Dropdown
    memory_table: gr.Dataframe
    device: gr.Markdown
    choices: gr.BrowserState

    @property
    def memory_outputs(self) -> list[Any]:
        return [self.memory_table, self.device]


def size_text(count: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def memory_panel(workspace: Workspace) -> tuple[list[list[str]], str]:
    """Rows of what is resident, and a line about the device; never creates the registry."""
    registry = workspace.registry_if_created()
    if registry is None:
        return [], "Nothing loaded yet; the device is probed at the first generation."
    rows = [
        [f"{row.name} ({', '.join(filter(None, (row.role, row.precision)))})", row.placement, size_text(row.bytes)]
        for row in registry.report()
    ]
    device = registry.device
    line = f"**{device.name}**"
    if device.kind == "cuda":
        line += f" · {size_text(device.total_bytes)} VRAM"
    line += f" · strategy: {registry.requested_strategy}"
    if registry.last_plan:
        line += f"  \nLast job: {registry.last_plan}"
    return rows, line


def build_sidebar(workspace: Workspace, app: gr.Blocks) -> Sidebar:
    """Build the sidebar inside ``app`` and wire its own events; the session's choices are shown
    again from the browser when the page loads."""
    defaults = workspace.default_choices()
    with gr.Sidebar(label="Qpyt-UI", width=380):
        model = gr.Dropdown(
            choices=workspace.catalog.choices(),
            value=workspace.catalog.default_name(),
            label="Model",
            allow_custom_value=True,
            elem_id="qpyt-model",
        )
        refresh_models = gr.Button("Rescan models folder", size="sm")
        unusable = gr.Markdown(_unusable_note(workspace))
        gr.Markdown("### Memory")
        rows, line = memory_panel(workspace)
        memory_table = gr.Dataframe(
            value=rows,
            headers=MEMORY_HEADERS,
            interactive=False,
            wrap=True,
            column_widths=["52%", "26%", "22%"],
            elem_id="qpyt-memory",
        )
        device = gr.Markdown(line)
        with gr.Row():
            refresh_memory = gr.Button("Refresh", size="sm")
            free = gr.Button("Free memory", size="sm", variant="stop")
        build_queue_panel(workspace)
        with gr.Accordion("Settings", open=False, elem_id="qpyt-settings"):
            live_preview = gr.Checkbox(
                defaults.live_preview, label="Live preview while sampling", elem_id="qpyt-live-preview"
            )
            auto_translate = gr.Checkbox(
                defaults.auto_translate,
                label="Translate French prompts before generating",
                elem_id="qpyt-auto-translate",
            )
            enhancer = gr.Dropdown(
                choices=enhancer_choices(workspace.settings),
                value=enhancer_choices(workspace.settings)[0],
                label="Prompt enhancer model",
                info="0.5B is faster on small machines; 1.5B writes better prompts. These three are yours alone, "
                "kept in this browser.",
            )
            strategy = gr.Dropdown(
                choices=list(MEMORY_STRATEGIES),
                value=workspace.settings.memory,
                label="Memory strategy (the whole app)",
                info="auto plans each job: the fastest strategy whose predicted peak fits; the loaded model is "
                "released when this changes.",
            )
            gr.Markdown(quantized_loading_note(workspace.settings.quantize), elem_id="qpyt-quantize-note")
    stored = asdict(replace(defaults, enhance_model=enhancer.value))
    choices = gr.BrowserState(stored, storage_key="qpyt-choices")
    sidebar = Sidebar(model, memory_table, device, choices)

    def rescan() -> tuple[Any, str]:
        workspace.catalog.refresh()
        return gr.update(choices=workspace.catalog.choices()), _unusable_note(workspace)

    def free_all() -> tuple[list[list[str]], str]:
        registry = workspace.registry_if_created()
        if registry is not None:
            registry.unload_all()
        return memory_panel(workspace)

    @user_errors
    def change_strategy(value: str) -> tuple[list[list[str]], str]:
        workspace.registry.set_requested_strategy(value)
        return memory_panel(workspace)

    def remember(live: bool, translate: bool, enhancer_model: str) -> dict[str, Any]:
        return asdict(Choices(live, translate, enhancer_model))

    def restore(stored: Any) -> tuple[Any, Any, Any]:
        kept = choices_from(stored, workspace)
        return kept.live_preview, kept.auto_translate, kept.enhance_model or enhancer.value

    mine = [live_preview, auto_translate, enhancer]
    refresh_models.click(rescan, None, [model, unusable], **PRIVATE)
    refresh_memory.click(lambda: memory_panel(workspace), None, sidebar.memory_outputs, **PRIVATE)
    free.click(free_all, None, sidebar.memory_outputs, **GPU_QUEUE, **PRIVATE)
    strategy.change(change_strategy, strategy, sidebar.memory_outputs, **GPU_QUEUE, **PRIVATE)
    for control in mine:
        control.input(remember, mine, choices, queue=False, **PRIVATE)
    app.load(restore, choices, mine, **PRIVATE)
    gr.Timer(3.0).tick(lambda: memory_panel(workspace), None, sidebar.memory_outputs, show_progress="hidden", **PRIVATE)
    return sidebar


def quantized_loading_note(mode: str) -> str:
    """What the page says about NF4 / int8 loading: in use, how to turn it on, or why this machine cannot."""
    why = unavailable_reason()
    if why is not None:
        return f"{why} GGUF files in the models folder load quantized on any device."
    if mode != "none":
        return f"Denoiser and T5 encoder of hub models and folders load in {mode.upper()} (bitsandbytes)."
    return "Start with `--quantize nf4` or `--quantize int8` to load denoisers and T5 encoders quantized."


def choices_from(value: Any, workspace: Workspace) -> Choices:
    """The session's choices from what its browser keeps (whatever it sent), or the defaults; an
    enhancer that is no longer offered falls back to the settings' one."""
    defaults = workspace.default_choices()
    if not isinstance(value, dict):
        return defaults
    enhancer = value.get("enhance_model")
    return Choices(
        live_preview=bool(value.get("live_preview", defaults.live_preview)),
        auto_translate=bool(value.get("auto_translate", defaults.auto_translate)),
        enhance_model=enhancer if enhancer in enhancer_choices(workspace.settings) else "",
    )


def _unusable_note(workspace: Workspace) -> str:
    problems = workspace.catalog.unusable()
    if not problems:
        return ""
    return "**Not loadable:**\n" + "\n".join(f"- `{item.name}`: {item.reason}" for item in problems)
