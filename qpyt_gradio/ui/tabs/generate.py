"""The Generate tab: prompt and its helper bar, size, steps, guidance, seed; progress, preview, Cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.generate import BRICK, GenerateRequest
from qpyt_gradio.bricks.params import Declared, declaration
from qpyt_gradio.models.catalog import ModelSpec
from qpyt_gradio.models.first_choice import download_note
from qpyt_gradio.models.hub import hub_cached
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.ui.forms import BrickForm, control, controls, spread_loras
from qpyt_gradio.ui.parts import Opener, PageParts
from qpyt_gradio.ui.prompt_extras import LORA_SLOTS, prompt_extras
from qpyt_gradio.ui.recall import recall_from_image
from qpyt_gradio.ui.running import result_area, wire_image_brick
from qpyt_gradio.ui.send import send_bar
from qpyt_gradio.ui.tabs.prompt_tools import build_prompt_bar
from qpyt_gradio.workspace import Workspace


def model_values(spec: ModelSpec) -> dict[str, Any]:
    """The values the Generate controls take when ``spec`` is picked."""
    defaults = spec.defaults
    return {"width": defaults.width, "height": defaults.height, "steps": defaults.steps, "guidance": defaults.guidance}


def build_generate(workspace: Workspace, parts: PageParts) -> None:
    """The Generate tab, wired to the sidebar's model picker and the page's session gallery."""
    sidebar = parts.sidebar
    spec = workspace.catalog.get(sidebar.model.value)
    multiple = spec.engine.size_multiple
    with gr.Row(equal_height=False, elem_id="qpyt-generate-brick"):
        with gr.Column(scale=3):
            prompt = control(
                workspace,
                _field("prompt"),
                placeholder="Describe the image… (Ctrl+Enter generates)",
                elem_id="qpyt-prompt",
            )
            parts.prompt = prompt
            build_prompt_bar(workspace, parts, prompt)
            negative = control(
                workspace,
                _field("negative_prompt"),
                interactive=spec.engine.negative_prompt,
                placeholder=_negative_placeholder(spec),
                elem_id="qpyt-negative",
            )
            extras = prompt_extras(workspace, parts, "generate", prompt, negative)
            values = model_values(spec)
            with gr.Row():
                sizes = {
                    side: control(workspace, _field(side), values[side], step=multiple) for side in ("width", "height")
                }
            with gr.Row():
                sampling = controls(workspace, GenerateRequest, ["steps", "guidance"], values)
            shown = {**sizes, **sampling}
            with gr.Row():
                seed = control(workspace, _field("seed"), elem_id="qpyt-seed")
                random_seed = gr.Button("Random", size="sm")
                reuse_seed = gr.Button("Reuse last seed", size="sm")
                count = control(workspace, _field("num_images"), label="Images")
            engine_note = gr.Markdown(_engine_note(spec))
            with gr.Accordion("Load parameters from an image", open=False, elem_id="qpyt-recall-panel"):
                source = gr.File(
                    label="An image of Qpyt-UI, AUTOMATIC1111 / Forge, ComfyUI, Fooocus, InvokeAI or NovelAI",
                    file_types=[".png", ".jpg", ".jpeg", ".webp"],
                    type="filepath",
                    elem_id="qpyt-recall",
                )
        with gr.Column(scale=2):
            area = result_area("Generate", "generate")
            send_bar(parts, area.panel.gallery, "generate")
    inputs = {
        "prompt": prompt,
        "negative_prompt": negative,
        "model": sidebar.model,
        **shown,
        "seed": seed,
        "num_images": count,
        **extras,
    }
    event = wire_image_brick(workspace, parts, BrickForm(BRICK, inputs), area)
    event.success(_used_size, area.panel.used, [sizes["width"], sizes["height"]], **PRIVATE)
    random_seed.click(lambda: -1, None, seed, **PRIVATE)
    reuse_seed.click(_last_seed, area.panel.used, seed, **PRIVATE)
    sidebar.model.input(
        _apply_model(workspace),
        sidebar.model,
        [shown["width"], shown["height"], shown["steps"], shown["guidance"], negative, engine_note],
        **PRIVATE,
    )
    recall = _recall(workspace, list(inputs))
    source.upload(recall, source, list(inputs.values()), **PRIVATE)
    parts.openers["generate"] = Opener("generate", recall, [], list(inputs.values()), PRIVATE)


def _field(name: str) -> Declared:
    return declaration(GenerateRequest, name)


def _used_size(parameters: dict[str, Any] | None) -> tuple[Any, Any]:
    """The size a job used (snapped to the engine's multiple) back in the size controls."""
    if not parameters or "width" not in parameters or "height" not in parameters:
        return gr.skip(), gr.skip()
    return parameters["width"], parameters["height"]


def _last_seed(parameters: dict[str, Any] | None) -> Any:
    if not parameters or "seed" not in parameters:
        gr.Warning("Generate an image first: there is no seed to reuse yet.")
        return gr.skip()
    return parameters["seed"]


def _negative_placeholder(spec: ModelSpec) -> str:
    engine = spec.engine
    return "" if engine.negative_prompt else f"{engine.label} takes no negative prompt"


def _engine_note(spec: ModelSpec) -> str:
    note = f"*{spec.engine_variant.label}*: {spec.engine.guidance_note}"
    if spec.demo:
        note = "**Demo model: tiny random weights, it draws noise.** " + note
    if spec.source == "hub" and not hub_cached(spec.location):
        note += " " + download_note(spec.location)
    return note.strip()


def _apply_model(workspace: Workspace):
    @user_errors
    def apply(name: str) -> tuple[Any, ...]:
        spec = workspace.catalog.get(name)
        values, engine = model_values(spec), spec.engine
        return (
            gr.update(value=values["width"], step=engine.size_multiple),
            gr.update(value=values["height"], step=engine.size_multiple),
            values["steps"],
            values["guidance"],
            gr.update(interactive=engine.negative_prompt, placeholder=_negative_placeholder(spec)),
            _engine_note(spec),
        )

    return apply


def _recall(workspace: Workspace, names: list[str]):
    @user_errors
    def recall(path: str | None) -> tuple[Any, ...]:
        if not path:
            return tuple(gr.skip() for _ in names)
        values, message = recall_from_image(Path(path), workspace.catalog)
        if message:
            gr.Warning(page_text(message))
        values = spread_loras(_available(workspace, values), names)
        return tuple(values[name] if name in values else gr.skip() for name in names)

    return recall


def _available(workspace: Workspace, values: dict[str, Any]) -> dict[str, Any]:
    """Recalled ``values`` without the styles and LoRAs this app does not have (with a warning)."""
    styles = [name for name in values.get("styles", []) if name in workspace.styles.styles]
    usable = {item.name for item in workspace.loras.usable()}
    loras = [pair for pair in values.get("loras", []) if pair and pair[0] in usable]
    missing = len(values.get("styles", [])) - len(styles) + len(values.get("loras", [])) - len(loras)
    if missing:
        gr.Warning(f"{missing} style(s) or LoRA(s) of this image are not available here and were left out.")
    if len(loras) > LORA_SLOTS:
        gr.Warning(f"This image used {len(loras)} LoRAs; the first {LORA_SLOTS} fill the slots.")
    return {**values, "styles": styles, "loras": loras}
