"""Weighted and long prompts turned into embeddings through compel, for SDXL and FLUX.1.

A plain prompt that fits the CLIP window stays a string for diffusers, so its pixels match a bare
diffusers call; :func:`needs_embeddings` tells the two apart. Otherwise :func:`prompt_embeddings` gives the
keyword arguments that replace ``prompt``/``negative_prompt`` in the call.

compel gets the runs read by :mod:`~qpyt_gradio.prompts.weighting` as its own prompt objects rather than a
string in its syntax (its parser changes some texts: ``word+``, a group holding `` - ``), and encodes them
without truncation: a long prompt takes as many 77-token windows as it needs (for FLUX.1's T5, as many
``max_sequence_length`` windows), and each ``BREAK`` section of an SDXL prompt starts its own window. The
pooled embeddings, which come from one window, are those of the plain text (weights cannot apply to them),
as diffusers computes them. compel is built from the pipeline's own tokenizers and encoders on every call,
so loaded LoRA adapters act on the text too.
"""

from __future__ import annotations

from typing import Any

import torch
from compel import Compel, EmbeddingsProvider, ReturnedEmbeddingsType
from compel.prompt_parser import Conjunction, FlattenedPrompt

from qpyt_gradio.engines import engine
from qpyt_gradio.prompts.weighting import WEIGHTED_FAMILIES, Section, has_weighting, strip_weighting, weighted_sections


def needs_embeddings(pipeline: Any, family: str, prompt: str, negative: str) -> bool:
    """Whether a text of the call (the negative only where ``family`` takes one) uses weighting syntax or
    is longer than the pipeline's CLIP window; always False outside the weighting families."""
    if family not in WEIGHTED_FAMILIES:
        return False
    texts = (prompt, negative) if engine(family).negative_prompt else (prompt,)
    tokenizer = pipeline.tokenizer
    return any(
        has_weighting(text) or len(tokenizer(text, verbose=False).input_ids) > tokenizer.model_max_length
        for text in texts
        if text
    )


@torch.no_grad()
def prompt_embeddings(
    pipeline: Any, family: str, prompt: str, negative: str | None, *, max_sequence_length: int | None = None
) -> dict[str, torch.Tensor]:
    """The keyword arguments that replace ``prompt`` and ``negative_prompt`` in the call, on the pipeline's
    execution device. SDXL gets negative ones when ``negative`` is not empty (else diffusers zeroes them, as
    for a call without negative prompt); FLUX.1 takes none. ``max_sequence_length`` is FLUX.1's T5 window
    (default: its tokenizer's)."""
    device = pipeline._execution_device
    if family == "sdxl":
        embeddings = _sdxl(pipeline, device, [prompt, negative] if negative else [prompt])
    elif family == "flux":
        embeddings = _flux(pipeline, device, prompt, max_sequence_length)
    else:
        raise ValueError(f"no prompt embeddings for family {family!r}; known: {', '.join(sorted(WEIGHTED_FAMILIES))}")
    return {name: tensor.to(device) for name, tensor in embeddings.items()}


def _sdxl(pipeline: Any, device: torch.device, texts: list[str]) -> dict[str, torch.Tensor]:
    """Both CLIP encoders' penultimate hidden states side by side, the second's pooled output; the negative,
    if any, padded to the prompt's length."""
    kind = ReturnedEmbeddingsType.PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED
    first = _compel(pipeline.tokenizer, pipeline.text_encoder, kind, device)
    second = _compel(pipeline.tokenizer_2, pipeline.text_encoder_2, kind, device)
    conjunctions = [_conjunction(weighted_sections(text)) for text in texts]
    sequences = torch.cat([_sequences(first, conjunctions), _sequences(second, conjunctions)], dim=-1)
    pooled = torch.cat([_pooled(second.conditioning_provider, text, device) for text in texts])
    embeddings = {"prompt_embeds": sequences[:1], "pooled_prompt_embeds": pooled[:1]}
    if len(texts) > 1:
        embeddings |= {"negative_prompt_embeds": sequences[1:], "negative_pooled_prompt_embeds": pooled[1:]}
    return embeddings


def _flux(pipeline: Any, device: torch.device, prompt: str, window: int | None) -> dict[str, torch.Tensor]:
    """T5's last hidden states (``BREAK`` read as a comma) and CLIP's pooled output."""
    kind = ReturnedEmbeddingsType.LAST_HIDDEN_STATES_NORMALIZED
    t5 = _compel(pipeline.tokenizer_2, pipeline.text_encoder_2, kind, device, window)
    sequence = _sequences(t5, [_conjunction((_joined(weighted_sections(prompt)),))])
    clip = EmbeddingsProvider(tokenizer=pipeline.tokenizer, text_encoder=pipeline.text_encoder, device=device)
    return {"prompt_embeds": sequence, "pooled_prompt_embeds": _pooled(clip, prompt, device)}


def _compel(
    tokenizer: Any, text_encoder: Any, kind: ReturnedEmbeddingsType, device: torch.device, window: int | None = None
) -> Compel:
    return Compel(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        returned_embeddings_type=kind,
        truncate_long_prompts=False,
        device=device,
        model_max_length=window,
    )


def _pooled(provider: EmbeddingsProvider, text: str, device: torch.device) -> torch.Tensor:
    """The pooled output of the plain text, alone in its batch as diffusers encodes it (same numbers)."""
    return provider.get_pooled_embeddings([strip_weighting(text)], device=device)


def _sequences(compel: Compel, conjunctions: list[Conjunction]) -> torch.Tensor:
    """One encoder's embeddings of each conjunction, padded to the longest (with empty-prompt windows)."""
    tensors = [compel.build_conditioning_tensor_for_conjunction(conjunction)[0] for conjunction in conjunctions]
    return torch.cat(compel.pad_conditioning_tensors_to_same_length(tensors))


def _conjunction(sections: tuple[Section, ...]) -> Conjunction:
    """compel's prompt objects for ``sections``: one prompt per section, encoded in its own windows."""
    prompts = [FlattenedPrompt([(text.strip(), weight) for text, weight in section]) for section in sections if section]
    return Conjunction(prompts or [FlattenedPrompt([("", 1.0)])])


def _joined(sections: tuple[Section, ...]) -> Section:
    """All sections as one, a comma where each ``BREAK`` was."""
    runs: list[tuple[str, float]] = []
    for section in sections:
        if runs:
            text, weight = runs[-1]
            runs[-1] = (text.rstrip(",") + ",", weight)
        runs.extend(section)
    return tuple(runs)
