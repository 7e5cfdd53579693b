"""Deterministic tokenizers for the tiny models, built here with no download.

They let the tiny random-weight models of demo mode and the tests go through the same
``from_pretrained`` path as a user's model. The byte-level ones come from hand-made
vocabularies; Marian's sentencepiece model is trained on a fixed corpus with one thread,
which gives the same file every time. Every text tokenizes and round-trips.
"""

from __future__ import annotations

import io
import json
import string
from pathlib import Path

import sentencepiece
from transformers import BartTokenizer, CLIPTokenizer, MarianTokenizer, Qwen2Tokenizer, T5Tokenizer
from transformers.convert_slow_tokenizer import bytes_to_unicode

CLIP_SPECIALS = ("<|startoftext|>", "<|endoftext|>")


def clip_tokenizer(model_max_length: int = 77) -> CLIPTokenizer:
    """A byte-level BPE tokenizer shaped like CLIP's: every byte, alone or ending a word."""
    vocab = _byte_vocabulary(CLIP_SPECIALS)
    for char in bytes_to_unicode().values():
        vocab.setdefault(char + "</w>", len(vocab))
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


def _byte_vocabulary(specials: tuple[str, ...]) -> dict[str, int]:
    vocab = {token: index for index, token in enumerate(specials)}
    for char in bytes_to_unicode().values():
        vocab.setdefault(char, len(vocab))
    return vocab


def bart_tokenizer() -> BartTokenizer:
    """A byte-level tokenizer shaped like Florence-2's BART one, with its ``<image>`` token."""
    vocab = _byte_vocabulary(("<s>", "<pad>", "</s>", "<unk>"))
    vocab["<mask>"] = len(vocab)
    return BartTokenizer(vocab=vocab, merges=[], extra_special_tokens={"image_token": "<image>"}, model_max_length=1024)


CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def qwen2_tokenizer() -> Qwen2Tokenizer:
    """A byte-level tokenizer shaped like Qwen2.5's, with its chat markers and chat template."""
    vocab = _byte_vocabulary(("<|endoftext|>", "<|im_start|>", "<|im_end|>"))
    return Qwen2Tokenizer(
        vocab=vocab,
        merges=[],
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
        extra_special_tokens=["<|im_start|>", "<|im_end|>"],
        model_max_length=2048,
    )


MARIAN_CORPUS = (
    "un chat noir sur une chaise",
    "a black cat on a chair",
    "le soleil se couche sur la mer",
    "the sun sets over the sea",
    "une maison rouge dans la forêt, avec des arbres",
    "a red house in the forest, with trees",
    "un portrait d'une femme, lumière douce",
    "a portrait of a woman, soft light",
)


def write_marian_tokenizer(folder: Path) -> MarianTokenizer:
    """Train a small sentencepiece model (byte fallback: any text round-trips) and save a Marian tokenizer."""
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(MARIAN_CORPUS * 4),
        model_writer=model,
        vocab_size=400,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        num_threads=1,
        eos_id=0,
        unk_id=1,
        pad_id=2,
        bos_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("source.spm", "target.spm"):
        (folder / name).write_bytes(model.getvalue())
    processor = sentencepiece.SentencePieceProcessor(model_proto=model.getvalue())
    vocab = {processor.id_to_piece(index): index for index in range(processor.get_piece_size())}
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = MarianTokenizer(str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"))
    tokenizer.save_pretrained(folder)
    return tokenizer
