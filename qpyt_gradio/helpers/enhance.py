"""Prompt enhancement with a small instruct model (Qwen2.5), streamed as it is written.

The instruction follows the target engine: SDXL likes comma-separated tags, FLUX.1 and
SD 3.5 like natural sentences. Creativity is the sampling temperature (below 0.01, greedy) and the
seed makes a run repeatable. The answer is cleaned of chat chatter ("Sure! Here is...") and
cut to a length the engines read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

from qpyt_gradio.engines import ENGINES
from qpyt_gradio.helpers.kinds import MIN_SAMPLED_CREATIVITY
from qpyt_gradio.models.registry import Registry
from qpyt_gradio.validation import one_line, seed_number


@dataclass(frozen=True)
class StyleRules:
    instruction: str
    max_words: int
    max_new_tokens: int
    boundary: str


STYLES = {
    "tags": StyleRules(
        "You turn a short image idea into a prompt for Stable Diffusion XL. Answer with one line of comma-separated "
        "tags and short phrases: subject and its details, setting, composition, lighting, colours, style, medium, "
        "quality. At most 60 words. Answer with the prompt only: no introduction, no explanation, no quotes.",
        max_words=60,
        max_new_tokens=120,
        boundary=",",
    ),
    "sentences": StyleRules(
        "You turn a short image idea into a prompt for a modern text-to-image model. Answer with one paragraph of "
        "two to four vivid, concrete sentences describing the subject, setting, composition, lighting and style. At "
        "most 120 words. Answer with the prompt only: no introduction, no explanation, no lists, no quotes.",
        max_words=120,
        max_new_tokens=220,
        boundary=".",
    ),
}

_CHATTER_START = re.compile(
    r"^\s*(?:(?:sure|certainly|of course|absolutely|okay|ok|great)\b[!,.]?\s*)?"
    r"(?:here(?:'s| is| are)\b[^:\n]*[:\n]"
    r"|(?:\*\*)?(?:enhanced |improved |expanded |final |image )?prompt(?:\*\*)?\s*:)",
    re.IGNORECASE,
)
_CHATTER_END = re.compile(
    r"(?:^|\n|(?<=[.!]))\s*(?:let me know|i hope|hope this|feel free|this prompt|note:|enjoy)\b.*$",
    re.IGNORECASE | re.DOTALL,
)
_WRAPPING = "\"'`*“”‘’ "


def clean_enhanced(text: str, rules: StyleRules, final: bool = True) -> str:
    """The prompt in a model's answer: chatter, quotes and markdown removed; cut to the style's length."""
    text = _CHATTER_START.sub("", text, count=1)
    if final:
        text = _CHATTER_END.sub("", text)
    text = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    text = one_line(text.replace("**", "")).strip(_WRAPPING)
    return limit_words(text, rules) if final else text


def limit_words(text: str, rules: StyleRules) -> str:
    """At most ``rules.max_words`` words, cut back to the last clause boundary when one is near."""
    words = text.split()
    if len(words) <= rules.max_words:
        return text
    cut = " ".join(words[: rules.max_words])
    boundary = cut.rfind(rules.boundary)
    if boundary >= len(cut) // 2:
        cut = cut[: boundary + (1 if rules.boundary == "." else 0)]
    return cut.rstrip(" ,;:")


class _StopWhen(StoppingCriteria):
    def __init__(self, event: threading.Event) -> None:
        self._event = event

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: object) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self._event.is_set(), dtype=torch.bool)


def enhance(
    registry: Registry,
    text: str,
    engine: str,
    creativity: float,
    seed: int,
    on_text: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    helper_kind: str = "enhance",
) -> str:
    """A richer prompt for ``engine`` (a family of :data:`ENGINES`) from ``text``, by the enhancer
    registered as ``helper_kind``; partial cleaned text goes to ``on_text`` as it is written."""
    rules = STYLES[ENGINES[engine].prompt_style]
    seed = seed_number(seed)
    with registry.helper(helper_kind) as helper:
        raw = _generate(helper.model, helper.processor, rules, text, creativity, seed, on_text, cancel)
    return clean_enhanced(raw, rules)


def _generate(
    model: torch.nn.Module,
    tokenizer: object,
    rules: StyleRules,
    text: str,
    creativity: float,
    seed: int,
    on_text: Callable[[str], None] | None,
    cancel: threading.Event | None,
) -> str:
    messages = [{"role": "system", "content": rules.instruction}, {"role": "user", "content": text}]
    inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    sampled = creativity >= MIN_SAMPLED_CREATIVITY
    sampling = {"do_sample": True, "temperature": creativity, "top_p": 0.9} if sampled else {"do_sample": False}
    arguments = {
        **inputs.to(model.device),
        **sampling,
        "max_new_tokens": rules.max_new_tokens,
        "streamer": streamer,
        "pad_token_id": tokenizer.pad_token_id,
        "stopping_criteria": StoppingCriteriaList([_StopWhen(cancel or threading.Event())]),
    }
    torch.manual_seed(seed)
    failures: list[BaseException] = []
    worker = threading.Thread(
        target=_generate_into, args=(model, arguments, streamer, failures), name="qpyt-enhance", daemon=True
    )
    worker.start()
    produced = ""
    for piece in streamer:
        produced += piece
        if on_text is not None:
            on_text(clean_enhanced(produced, rules, final=False))
    worker.join()
    if failures:
        raise failures[0]
    return produced


def _generate_into(
    model: torch.nn.Module, arguments: dict, streamer: TextIteratorStreamer, failures: list[BaseException]
) -> None:
    """``model.generate`` in a worker; a failure ends the stream and is handed back to the reader."""
    try:
        with torch.inference_mode():
            model.generate(**arguments)
    except BaseException as error:
        failures.append(error)
        streamer.end()
