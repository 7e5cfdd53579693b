"""Under every prompt box of an image brick: style chips (search by name or category, applied in the
order picked), LoRA slots with their weights, and a live preview of the prompts the model will see."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.errors import UserFacingError
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.forms import LORA_SLOT, style_options
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.validation import LORA_WEIGHT_RANGE
from qpyt_gradio.workspace import Workspace

LORA_SLOTS = 4


def lora_options(workspace: Workspace) -> list[tuple[str, str]]:
    """ "(none)" then every usable LoRA as (``"name · family"``, name)."""
    usable = workspace.loras.usable()
    return [("(none)", ""), *[(f"{item.name} · {item.family_label}", item.name) for item in usable]]


def prompt_extras(
    workspace: Workspace, parts: PageParts, key: str, prompt: gr.Textbox, negative: gr.Textbox | None
) -> dict[str, Any]:
    """The styles picker, the LoRA slots and the preview of the final prompts; returns the inputs
    by field name (``styles``, and the slots that make ``loras``)."""
    with gr.Accordion("Styles and LoRAs", open=False, elem_id=f"qpyt-{key}-extras"):
        styles = gr.Dropdown(
            style_options(workspace),
            value=[],
            multiselect=True,
            label="Styles — type to search names or categories; applied in the order picked",
            elem_id=f"qpyt-{key}-styles",
        )
        inputs: dict[str, Any] = {"styles": styles}
        low, high = LORA_WEIGHT_RANGE
        gr.Markdown(f"LoRAs and their weights ({low:g} to {high:g}; 0 keeps one loaded but off)")
        for index in range(LORA_SLOTS):
            with gr.Row(equal_height=True):
                name = gr.Dropdown(
                    lora_options(workspace),
                    value="",
                    show_label=False,
                    container=False,
                    scale=3,
                    elem_id=f"qpyt-{key}-lora-{index}",
                )
                weight = gr.Slider(
                    low,
                    high,
                    1.0,
                    step=0.05,
                    show_label=False,
                    container=False,
                    scale=2,
                    elem_id=f"qpyt-{key}-weight-{index}",
                )
            inputs[LORA_SLOT.format(index=index, part="name")] = name
            inputs[LORA_SLOT.format(index=index, part="weight")] = weight
            parts.lora_pickers.append(name)
        with gr.Row():
            final_prompt = gr.Textbox(
                label="Prompt the model sees", lines=2, interactive=False, elem_id=f"qpyt-{key}-final"
            )
            final_negative = gr.Textbox(label="Negative prompt the model sees", lines=2, interactive=False)
    parts.style_pickers.append(styles)
    model = parts.sidebar.model
    sources = [model, prompt, negative, styles] if negative is not None else [model, prompt, styles]
    preview = _preview(workspace, negative is not None)
    triggers = [parts.app.load, *(source.change for source in sources)]
    gr.on(triggers, preview, sources, [final_prompt, final_negative], show_progress="hidden", **PRIVATE)
    return inputs


def _preview(workspace: Workspace, has_negative: bool):
    def preview(model: str, prompt: str, *rest: Any) -> tuple[str, str]:
        negative, names = (rest[0], rest[1]) if has_negative else ("", rest[0])
        return final_texts(workspace, model, prompt, negative, names)

    return preview


def final_texts(workspace: Workspace, model: str, prompt: str, negative: str, names: list[str]) -> tuple[str, str]:
    """The prompt (with notes, and the LoRAs styles and tags bring) and the negative prompt that ``model``
    will see once the styles ``names`` are applied; a problem with them in place of the prompt."""
    from qpyt_gradio.generation.request import model_texts

    try:
        spec = workspace.catalog.get(model or workspace.catalog.default_name())
        texts = model_texts(workspace.styles, spec, prompt or "", negative or "", names or [])
    except UserFacingError as problem:
        return str(problem), ""
    lines = [texts.prompt, *texts.notes]
    if texts.loras:
        lines.append("LoRAs from the styles and the prompt: " + ", ".join(f"{n} {w:g}" for n, w in texts.loras))
    return "\n".join(lines), texts.negative_prompt
