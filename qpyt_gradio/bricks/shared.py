"""Fields that several image bricks declare alike: prompts, model, steps, guidance, seed, images, strength.

Each function returns a fresh dataclass field, so a request type lists exactly its own fields
in the order of its API while their ranges and meanings stay written once.
"""

from __future__ import annotations

from typing import Any

from qpyt_gradio.bricks import params
from qpyt_gradio.engines import MAX_GUIDANCE, MAX_IMAGES, MAX_STEPS, MIN_SIDE

PROMPT_REQUIRED = "The prompt is empty: describe the image you want."


def prompt(help: str = "what the image should show", required: str = PROMPT_REQUIRED) -> Any:
    return params.text("Prompt", help, feed="text", required=required, lines=3)


def negative_prompt() -> Any:
    return params.text("Negative prompt", "what the image should not show (ignored by FLUX.1)")


def model() -> Any:
    return params.model()


def side(label: str) -> Any:
    return params.whole(
        label,
        f"{label.lower()} in pixels; empty for the model's size",
        None,
        MIN_SIDE,
        "max_side",
        optional=True,
        step=8,
    )


def steps() -> Any:
    return params.whole("Steps", "sampling steps; empty for the model's default", None, 1, MAX_STEPS, optional=True)


def guidance() -> Any:
    return params.number(
        "Guidance",
        "how closely to follow the prompt; empty for the model's default",
        None,
        0.0,
        MAX_GUIDANCE,
        step=0.1,
        optional=True,
    )


def seed(help: str = "the random seed (image n of a batch uses seed + n); -1 picks one") -> Any:
    return params.seed(help)


def num_images() -> Any:
    return params.whole("Number of images", "how many images to make", 1, 1, MAX_IMAGES)


def strength(default: float) -> Any:
    return params.number(
        "Strength", "how much of the image is redrawn: 0.01 keeps it, 1 repaints it", default, 0.01, 1.0
    )


def source_image(help: str = "the image to work on") -> Any:
    return params.image("Image", help)


def loras() -> Any:
    return params.loras()


def styles() -> Any:
    return params.styles()
