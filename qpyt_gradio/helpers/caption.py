"""Image → text with Florence-2: captions of three lengths, and a prompt for image models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from qpyt_gradio.helpers.kinds import CAPTION_TASKS
from qpyt_gradio.images import open_rgb
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.validation import one_line

CAPTION_MAX_SIDE = 2048
MAX_NEW_TOKENS = 256


_LEAD_INS = re.compile(
    r"^(?:(?:the|this) (?:image|picture|photo(?:graph)?|painting|illustration|artwork|scene|drawing|render(?:ing)?)"
    r" (?:shows|depicts|features|is|captures|portrays|contains|presents)(?: of)?|"
    r"in (?:the|this) (?:image|picture|photo(?:graph)?|scene),?|there (?:is|are))\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Caption:
    text: str
    notes: tuple[str, ...]


def as_image_prompt(caption: str) -> str:
    """A caption rewritten as an image prompt: no "The image shows", clauses joined by commas."""
    sentences = [part.strip() for part in re.split(r"(?<=[.!?])\s+", caption.strip()) if part.strip()]
    clauses = []
    for sentence in sentences:
        sentence = _LEAD_INS.sub("", sentence).rstrip(".!? ")
        if sentence:
            clauses.append(_lower_first(sentence))
    return ", ".join(clauses)


def _lower_first(text: str) -> str:
    """ "A woman" -> "a woman", but "NASA" and "I" stay as they are."""
    if len(text) > 1 and (text[1].islower() or text[1] == " ") and text[:2] != "I ":
        return text[0].lower() + text[1:]
    return text


def caption(registry: Registry, image_path: str | Path | None, task: str) -> Caption:
    """Describe the image at ``image_path`` with the captioning helper; ``task`` is a key of :data:`CAPTION_TASKS`."""
    chosen = CAPTION_TASKS[task]
    image, notes = open_rgb(image_path, "describe", CAPTION_MAX_SIDE)
    with registry.helper("caption") as helper:
        model, processor = helper.model, helper.processor
        inputs = processor(text=chosen.florence_task, images=image, return_tensors="pt")
        inputs = inputs.to(model.device, model.dtype)
        with torch.inference_mode():
            generated = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, num_beams=3, do_sample=False)
        raw = processor.batch_decode(generated, skip_special_tokens=False)[0]
        parsed = processor.post_process_generation(raw, task=chosen.florence_task, image_size=image.size)
    text = one_line(str(parsed[chosen.florence_task]))
    return Caption(as_image_prompt(text) if chosen.as_prompt else text, tuple(notes))
