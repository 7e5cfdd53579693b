"""Tiny random-weight helper models: Florence-2, MarianMT and Qwen2 (chat), written to a folder.

They are saved with ``save_pretrained`` next to their processor or tokenizer and loaded back
by the helper bricks through the same ``from_pretrained`` calls as the real models. Weights
are seeded, and their generation configs ask for a few tokens at least, so that they write text.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    BartConfig,
    CLIPImageProcessorPil,
    Florence2Config,
    Florence2ForConditionalGeneration,
    Florence2Processor,
    Florence2VisionConfig,
    MarianConfig,
    MarianMTModel,
    Qwen2Config,
    Qwen2ForCausalLM,
)

from qpyt_gradio.demo.pipelines import SEED
from qpyt_gradio.demo.tokenizers import bart_tokenizer, qwen2_tokenizer, write_marian_tokenizer

FLORENCE_IMAGE_SIDE = 64
MIN_NEW_TOKENS = 8
FLORENCE_POST_PROCESSING = {
    "ocr": {
        "pattern": r"(.+?)<loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)>"
    },
    "phrase_grounding": {"banned_grounding_tokens": ["the image"]},
    "pure_text": {},
    "description_with_bboxes": {},
    "description_with_polygons": {},
    "polygons": {},
    "bboxes": {},
    "description_with_bboxes_or_polygons": {},
}


def _encoder_decoder_sizes(hidden: int) -> dict[str, int]:
    """One encoder and one decoder layer, two heads, of width ``hidden``."""
    return {
        "d_model": hidden,
        "encoder_layers": 1,
        "decoder_layers": 1,
        "encoder_attention_heads": 2,
        "decoder_attention_heads": 2,
        "encoder_ffn_dim": 2 * hidden,
        "decoder_ffn_dim": 2 * hidden,
    }


def _save_writing(model: torch.nn.Module, folder: Path) -> None:
    """Save ``model`` with a generation config that writes a few tokens at least."""
    model.generation_config.min_new_tokens = MIN_NEW_TOKENS
    model.save_pretrained(folder)


def write_florence2(folder: Path, width: int = 1) -> None:
    """A Florence-2-shaped captioner (DaViT vision tower + BART) and its processor."""
    tokenizer = bart_tokenizer()
    side = FLORENCE_IMAGE_SIDE
    image_tokens = (side // 32) ** 2 + 1
    image_processor = CLIPImageProcessorPil(
        size={"height": side, "width": side}, do_center_crop=False, image_seq_length=image_tokens
    )
    processor = Florence2Processor(image_processor, tokenizer, post_processor_config=FLORENCE_POST_PROCESSING)
    hidden = 32 * width
    torch.manual_seed(SEED)
    config = Florence2Config(
        vision_config=Florence2VisionConfig(
            depths=(1, 1, 1, 1),
            embed_dim=(16, 16, hidden, hidden),
            num_heads=(2, 2, 2, 2),
            num_groups=(2, 2, 2, 2),
            window_size=2,
            projection_dim=hidden,
            drop_path_rate=0.0,
        ),
        text_config=BartConfig(
            vocab_size=len(tokenizer),
            **_encoder_decoder_sizes(hidden),
            max_position_embeddings=1024,
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.eos_token_id,
            forced_bos_token_id=tokenizer.bos_token_id,
        ),
        image_token_id=tokenizer.image_token_id,
    )
    _save_writing(Florence2ForConditionalGeneration(config), folder)
    processor.save_pretrained(folder)


def write_marian(folder: Path, width: int = 1) -> None:
    """A MarianMT-shaped French→English translator and its sentencepiece tokenizer."""
    tokenizer = write_marian_tokenizer(folder)
    hidden = 32 * width
    torch.manual_seed(SEED)
    config = MarianConfig(
        vocab_size=len(tokenizer),
        **_encoder_decoder_sizes(hidden),
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    _save_writing(MarianMTModel(config), folder)


def write_qwen2_instruct(folder: Path, width: int = 1) -> None:
    """A Qwen2.5-Instruct-shaped chat model with its tokenizer and chat template."""
    tokenizer = qwen2_tokenizer()
    torch.manual_seed(SEED)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32 * width,
        intermediate_size=64 * width,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    _save_writing(Qwen2ForCausalLM(config), folder)
    tokenizer.save_pretrained(folder)
