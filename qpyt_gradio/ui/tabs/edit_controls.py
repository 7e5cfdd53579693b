"""What the editing tabs share: the source image input, and the prompt, styles and LoRAs, strength,
steps, guidance, seed and image-count controls (built from the brick's declared fields)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.bricks.params import declaration, declared
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.forms import control
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.prompt_extras import prompt_extras
from qpyt_gradio.workspace import Workspace

SAMPLING = ("strength", "steps", "guidance")


def edit_controls(workspace: Workspace, parts: PageParts, request_type: type, key: str) -> dict[str, Any]:
    """The shared controls of ``request_type`` by field name (the model is the sidebar's); steps and
    guidance show the model's defaults and follow it."""
    defaults = workspace.catalog.get(parts.sidebar.model.value).defaults
    values = {"steps": defaults.steps, "guidance": defaults.guidance}
    names = {item.name for item in declared(request_type)}

    def make(name: str, **options: Any) -> Any:
        return control(workspace, declaration(request_type, name), values.get(name), **options)

    shown: dict[str, Any] = {
        "prompt": make("prompt", lines=2, elem_id=f"qpyt-{key}-prompt"),
        "negative_prompt": make("negative_prompt", elem_id=f"qpyt-{key}-negative"),
        "model": parts.sidebar.model,
    }
    shown.update(prompt_extras(workspace, parts, key, shown["prompt"], shown["negative_prompt"]))
    with gr.Row():
        shown.update({name: make(name) for name in SAMPLING if name in names})
    with gr.Row():
        shown["seed"] = make("seed")
        if "num_images" in names:
            shown["num_images"] = make("num_images", label="Images")

    @user_errors
    def follow_model(name: str) -> tuple[int, float]:
        chosen = workspace.catalog.get(name).defaults
        return chosen.steps, chosen.guidance

    parts.sidebar.model.input(follow_model, parts.sidebar.model, [shown["steps"], shown["guidance"]], **PRIVATE)
    return shown


def source_image(key: str, label: str = "Source image") -> gr.Image:
    """An image input that takes uploads and pastes, kept as the file given (alpha included); results of
    other tabs are sent into it."""
    return gr.Image(
        label=label,
        type="filepath",
        image_mode=None,
        sources=["upload", "clipboard"],
        height=320,
        elem_id=f"qpyt-{key}-source",
    )
