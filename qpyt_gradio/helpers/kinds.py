"""The helper roles — captioner, translator, prompt enhancer — as data: classes, models, settings, tasks.

This module imports nothing heavy, so the page can name the models before any is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from qpyt_gradio.settings import Settings


@dataclass(frozen=True)
class HelperKind:
    """One helper role: its model classes, defaults and the setting that names its model."""

    kind: str
    label: str
    model_class: str
    processor_class: str
    default_model: str
    demo_model: str
    demo_writer: str
    setting: str
    prefers_accelerator: bool = False


CAPTION = HelperKind(
    "caption",
    "Florence-2",
    "Florence2ForConditionalGeneration",
    "AutoProcessor",
    "florence-community/Florence-2-base",
    "demo-florence2",
    "write_florence2",
    "--caption-model / QPYT_CAPTION_MODEL",
    prefers_accelerator=True,
)
TRANSLATE = HelperKind(
    "translate",
    "MarianMT fr→en",
    "AutoModelForSeq2SeqLM",
    "AutoTokenizer",
    "Helsinki-NLP/opus-mt-fr-en",
    "demo-marian",
    "write_marian",
    "--translate-model / QPYT_TRANSLATE_MODEL",
)
ENHANCE = HelperKind(
    "enhance",
    "Qwen2.5 Instruct",
    "AutoModelForCausalLM",
    "AutoTokenizer",
    "Qwen/Qwen2.5-1.5B-Instruct",
    "demo-qwen2",
    "write_qwen2_instruct",
    "--enhance-model / QPYT_ENHANCE_MODEL",
)
HELPER_KINDS = {helper.kind: helper for helper in (CAPTION, TRANSLATE, ENHANCE)}
ENHANCER_CHOICES = ("Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct")


def model_id_for(helper: HelperKind, settings: Settings) -> str:
    """The model a helper uses: the setting if given, else the demo or the default model."""
    chosen = getattr(settings, f"{helper.kind}_model")
    if chosen:
        return chosen
    return helper.demo_model if settings.demo else helper.default_model


def enhancer_choices(settings: Settings) -> list[str]:
    """The enhancer models on offer: the settings' one first, then the usual Qwen2.5 sizes."""
    return list(dict.fromkeys([model_id_for(ENHANCE, settings), *ENHANCER_CHOICES]))


def enhancer_kind(model_id: str, settings: Settings) -> str:
    """The registry's helper kind of the enhancer ``model_id`` ("" for the settings' one)."""
    if not model_id or model_id == model_id_for(ENHANCE, settings):
        return ENHANCE.kind
    return f"{ENHANCE.kind}:{model_id}"


MAX_CREATIVITY = 1.5
"""Highest sampling temperature the enhancer accepts."""
MIN_SAMPLED_CREATIVITY = 0.01
"""Below this the enhancer writes greedily: a temperature that small divides the logits into infinities."""


@dataclass(frozen=True)
class CaptionTask:
    """A description the captioner can write, and the Florence-2 task that writes it."""

    label: str
    florence_task: str
    as_prompt: bool = False


CAPTION_TASKS = {
    "short": CaptionTask("Short caption", "<CAPTION>"),
    "detailed": CaptionTask("Detailed caption", "<DETAILED_CAPTION>"),
    "more_detailed": CaptionTask("More detailed caption", "<MORE_DETAILED_CAPTION>"),
    "prompt": CaptionTask("Prompt for image models", "<MORE_DETAILED_CAPTION>", as_prompt=True),
}


BACKGROUND_MODELS = ("isnet-general-use", "u2net", "birefnet-general", "bria-rmbg")
"""rembg's general-purpose models on offer; the first is the default."""
