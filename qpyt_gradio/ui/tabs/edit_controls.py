"""Controls the editing bricks share: prompt, negative prompt, strength, steps, guidance, seed, images.

Their handler parameters carry the same names as ``/generate`` where they mean the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from qpyt_gradio.engines import MAX_GUIDANCE, MAX_IMAGES, MAX_STEPS
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.workspace import AppContext

PRIVATE = {"api_visibility": "private"}


@dataclass(frozen=True)
class EditControls:
    prompt: gr.Textbox
    negative_prompt: gr.Textbox
    strength: gr.Slider
    steps: gr.Slider
    guidance: gr.Slider
    seed: gr.Number
    num_images: gr.Slider | None

    def inputs(self, model: gr.Dropdown) -> list[Any]:
        """In handler order: prompt, negative_prompt, model, strength, steps, guidance, seed[, num_images]."""
        listed = [self.prompt, self.negative_prompt, model, self.strength, self.steps, self.guidance, self.seed]
        return listed + ([self.num_images] if self.num_images is not None else [])


def edit_controls(ctx: AppContext, parts: PageParts, key: str, strength: float, batch: bool = True) -> EditControls:
    """Build the shared controls; steps and guidance follow the sidebar's model."""
    defaults = ctx.catalog.resolve(parts.sidebar.model.value).defaults
    prompt = gr.Textbox(label="Prompt", lines=2, elem_id=f"qpyt-{key}-prompt")
    negative = gr.Textbox(label="Negative prompt", lines=1, elem_id=f"qpyt-{key}-negative")
    with gr.Row():
        strength_slider = gr.Slider(0.01, 1.0, strength, step=0.01, label="Strength")
        steps = gr.Slider(1, MAX_STEPS, defaults.steps, step=1, label="Steps")
        guidance = gr.Slider(0, MAX_GUIDANCE, defaults.guidance, step=0.1, label="Guidance")
    with gr.Row():
        seed = gr.Number(-1, label="Seed (−1 = random)", precision=0)
        count = gr.Slider(1, MAX_IMAGES, 1, step=1, label="Images") if batch else None

    @user_errors
    def follow_model(name: str) -> tuple[int, float]:
        chosen = ctx.catalog.resolve(name).defaults
        return chosen.steps, chosen.guidance

    parts.sidebar.model.input(follow_model, parts.sidebar.model, [steps, guidance], **PRIVATE)
    return EditControls(prompt, negative, strength_slider, steps, guidance, seed, count)


def source_image(key: str, label: str = "Source image") -> gr.Image:
    """An image input that takes uploads and pastes; results of other bricks are sent into it."""
    return gr.Image(
        label=label, type="filepath", sources=["upload", "clipboard"], height=320, elem_id=f"qpyt-{key}-source"
    )


def edit_api_defaults(ctx: AppContext, parts: PageParts, strength: float, batch: bool = True) -> dict[str, Any]:
    """API defaults of the shared controls, in handler order (the sidebar's model and its defaults)."""
    defaults = ctx.catalog.resolve(parts.sidebar.model.value).defaults
    values = {
        "prompt": "",
        "negative_prompt": "",
        "model": parts.sidebar.model.value,
        "strength": strength,
        "steps": defaults.steps,
        "guidance": defaults.guidance,
        "seed": -1,
    }
    return {**values, "num_images": 1} if batch else values


def edit_params(
    prompt: str,
    negative_prompt: str,
    model: str,
    strength: float,
    steps: int,
    guidance: float,
    seed: int,
    num_images: int = 1,
) -> Any:
    """The :class:`EditParams` of the shared controls' values."""
    from qpyt_gradio.generation.editing import EditParams  # torch: first use only

    return EditParams(prompt, negative_prompt, model, strength, steps, guidance, seed, num_images)
