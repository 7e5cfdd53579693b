"""Under every prompt box of an image brick: style chips (search by name or category, applied in the
order picked), LoRA slots with their weights, and a live preview of the prompts the model will see."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.errors import UserFacingError
from qpyt_gradio.prompts.styles import styled_prompt
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.forms import LORA_SLOT
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.validation import LORA_WEIGHT_RANGE
from qpyt_gradio.workspace import Workspace

LORA_SLOTS = 4


def style_options(workspace: Workspace) -> list[tuple[str, str]]:
    """Every style as (``"Name · Category"``, name), so typing a category finds its styles."""
    return [(f"{style.name} · {style.category}", style.name) for style in workspace.styles.styles.values()]


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
        for index in range(LORA_SLOTS):
            with gr.Row(equal_height=True):
                name = gr.Dropdown(
                    lora_options(workspace),
                    value="",
                    label=f"LoRA {index + 1}",
                    scale=3,
                    elem_id=f"qpyt-{key}-lora-{index}",
                )
                weight = gr.Slider(
                    low, high, 1.0, step=0.05, label="Weight", scale=2, elem_id=f"qpyt-{key}-weight-{index}"
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
    sources = [prompt, negative, styles] if negative is not None else [prompt, styles]
    preview = _preview(workspace, negative is not None)
    for source in sources:
        source.change(preview, sources, [final_prompt, final_negative], show_progress="hidden", **PRIVATE)
    return inputs


def _preview(workspace: Workspace, has_negative: bool):
    def preview(prompt: str, *rest: Any) -> tuple[str, str]:
        negative, names = (rest[0], rest[1]) if has_negative else ("", rest[0])
        try:
            styled, tagged = styled_prompt(workspace.styles, prompt or "", negative or "", names or [])
        except UserFacingError as problem:
            return str(problem), ""
        tags = ", ".join(f"{name} {weight:g}" for name, weight in tagged)
        return styled.prompt + (f"\n(LoRAs from the prompt: {tags})" if tags else ""), styled.negative_prompt

    return preview
