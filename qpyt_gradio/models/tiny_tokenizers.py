"""Deterministic tokenizers built from hand-made vocabularies (no training, no download).

They let the tiny random-weight models of demo mode and the tests go through the same
``from_pretrained`` path as a user's model. Every character maps to a token, so any text
tokenizes; the ids are stable from one build to the next.
"""

from __future__ import annotations

import string

from transformers import CLIPTokenizer, T5Tokenizer
from transformers.convert_slow_tokenizer import bytes_to_unicode

CLIP_SPECIALS = ("<|startoftext|>", "<|endoftext|>")


def clip_tokenizer(model_max_length: int = 77) -> CLIPTokenizer:
    """A byte-level BPE tokenizer shaped like CLIP's: every byte, alone or ending a word."""
    vocab: dict[str, int] = {token: index for index, token in enumerate(CLIP_SPECIALS)}
    for char in bytes_to_unicode().values():
        for token in (char, char + "</w>"):
            vocab.setdefault(token, len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=model_max_length)


def clip_vocab_size() -> int:
    """Number of ids :func:`clip_tokenizer` can produce (two specials + 2 x 256 bytes)."""
    return len(CLIP_SPECIALS) + 2 * 256


def t5_tokenizer(model_max_length: int = 512) -> T5Tokenizer:
    """A unigram tokenizer shaped like T5's sentencepiece model, covering printable ASCII."""
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    for char in string.ascii_lowercase + string.ascii_uppercase + string.digits + string.punctuation:
        pieces.append(("▁" + char, -3.0))
        pieces.append((char, -4.0))
    pieces += [(f"<extra_id_{index}>", 0.0) for index in range(T5_EXTRA_IDS - 1, -1, -1)]
    return T5Tokenizer(vocab=pieces, extra_ids=T5_EXTRA_IDS, model_max_length=model_max_length)


T5_EXTRA_IDS = 8


def t5_vocab_size() -> int:
    """Number of ids :func:`t5_tokenizer` can produce."""
    return 4 + 2 * len(string.ascii_letters + string.digits + string.punctuation) + T5_EXTRA_IDS
