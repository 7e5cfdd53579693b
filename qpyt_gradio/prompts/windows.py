"""How much of a long prompt SD 3.5's text encoders read, said instead of cut silently.

SD 3.5 reads a prompt with two CLIP encoders (77 tokens each, fixed) and T5 (``max_sequence_length``
tokens, 256 by default, at most 512). A prompt longer than T5's default gets T5's full 512-token window
(a shorter one keeps diffusers' default, and so its pixels); whatever an encoder still cannot read is
named in a note.
"""

from __future__ import annotations

from typing import Any

T5_LIMIT = 512


def sd3_windows(pipeline: Any, arguments: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``arguments`` with T5's window widened for a prompt that needs it, and notes on what is not read."""
    texts = [text for text in (arguments.get("prompt"), arguments.get("negative_prompt")) if isinstance(text, str)]
    if not texts:
        return arguments, ()
    t5 = getattr(pipeline, "tokenizer_3", None)
    t5_tokens = max(len(t5(text, verbose=False).input_ids) for text in texts) if t5 is not None else 0
    clip_tokens = max(len(pipeline.tokenizer(text, verbose=False).input_ids) for text in texts)
    window = arguments.get("max_sequence_length", 256)
    if t5_tokens > window:
        arguments = {**arguments, "max_sequence_length": T5_LIMIT}
    notes = []
    clip_window = pipeline.tokenizer.model_max_length
    if clip_tokens > clip_window:
        rest = f"; its T5 encoder reads all {t5_tokens}" if t5_tokens <= T5_LIMIT else ""
        notes.append(
            f"The prompt is {clip_tokens} CLIP tokens long: SD 3.5's CLIP encoders read its first {clip_window}{rest}."
        )
    if t5_tokens > T5_LIMIT:
        notes.append(f"The prompt is {t5_tokens} T5 tokens long: SD 3.5's T5 encoder reads its first {T5_LIMIT}.")
    return arguments, tuple(notes)
