"""Images as other tools write them, each in its tool's published format, for "load parameters" tests.

Every builder writes a small PNG (or JPEG) carrying the same generation: prompt "a red fox in snow"
with a LoRA tag where the tool has them, negative "blurry", 832×1216, 28 steps, guidance 6.5, seed
12345, model "sd_xl_base_1.0".
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

PROMPT = "a red fox in snow"
NEGATIVE = "blurry"
WIDTH, HEIGHT, STEPS, GUIDANCE, SEED = 832, 1216, 28, 6.5, 12345
MODEL = "sd_xl_base_1.0"
A1111_TEXT = (
    f"{PROMPT}, <lora:ink-style:0.8>\nNegative prompt: {NEGATIVE}\n"
    f"Steps: {STEPS}, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: {GUIDANCE}, Seed: {SEED}, "
    f"Size: {WIDTH}x{HEIGHT}, Model hash: 31e35c80fc, Model: {MODEL}, Clip skip: 2, Version: v1.10.1"
)


def _png(path: Path, chunks: dict[str, str]) -> Path:
    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    Image.new("RGB", (16, 24), (120, 60, 30)).save(path, pnginfo=info)
    return path


def automatic1111(folder: Path) -> Path:
    return _png(folder / "a1111.png", {"parameters": A1111_TEXT})


def automatic1111_jpeg(folder: Path) -> Path:
    """A1111's JPEG: the same text as an EXIF UserComment (UNICODE, big-endian UTF-16)."""
    exif = Image.Exif()
    exif[0x8769] = {0x9286: b"UNICODE\x00" + A1111_TEXT.encode("utf-16-be")}
    path = folder / "a1111.jpg"
    Image.new("RGB", (16, 24), (120, 60, 30)).save(path, exif=exif)
    return path


def comfyui(folder: Path) -> Path:
    """ComfyUI: the API graph as "prompt", and the editor's graph as "workflow"."""
    graph = {
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": SEED,
                "steps": STEPS,
                "cfg": GUIDANCE,
                "sampler_name": "dpmpp_2m",
                "scheduler": "karras",
                "denoise": 1.0,
                "model": ["10", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": f"{MODEL}.safetensors"}},
        "10": {
            "class_type": "LoraLoader",
            "inputs": {
                "lora_name": "ink-style.safetensors",
                "strength_model": 0.8,
                "strength_clip": 0.8,
                "model": ["4", 0],
                "clip": ["4", 1],
            },
        },
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": WIDTH, "height": HEIGHT, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": PROMPT, "clip": ["10", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": NEGATIVE, "clip": ["10", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    }
    workflow = {"last_node_id": 10, "nodes": [], "links": [], "version": 0.4}
    return _png(folder / "comfyui.png", {"prompt": json.dumps(graph), "workflow": json.dumps(workflow)})


def fooocus(folder: Path) -> Path:
    """Fooocus' own scheme: a JSON "parameters" chunk and "fooocus_scheme"."""
    parameters = {
        "adm_guidance": "(1.5, 0.8, 0.3)",
        "base_model": f"{MODEL}.safetensors",
        "base_model_hash": "31e35c80fc",
        "full_negative_prompt": [NEGATIVE],
        "full_prompt": [PROMPT],
        "guidance_scale": GUIDANCE,
        "loras": [["ink-style.safetensors", 0.8, "a1b2c3"]],
        "metadata_scheme": "fooocus",
        "negative_prompt": NEGATIVE,
        "performance": "Speed",
        "prompt": PROMPT,
        "refiner_model": "None",
        "resolution": f"({WIDTH}, {HEIGHT})",
        "sampler": "dpmpp_2m_sde_gpu",
        "scheduler": "karras",
        "seed": str(SEED),
        "sharpness": 2.0,
        "steps": STEPS,
        "styles": "['Fooocus V2', 'Fooocus Enhance']",
        "version": "Fooocus v2.5.5",
    }
    return _png(folder / "fooocus.png", {"parameters": json.dumps(parameters), "fooocus_scheme": "fooocus"})


def invokeai(folder: Path) -> Path:
    """InvokeAI 3 and later: an "invokeai_metadata" JSON chunk."""
    metadata = {
        "generation_mode": "sdxl_txt2img",
        "positive_prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "width": WIDTH,
        "height": HEIGHT,
        "seed": SEED,
        "rand_device": "cpu",
        "cfg_scale": GUIDANCE,
        "steps": STEPS,
        "scheduler": "dpmpp_2m_k",
        "model": {"model_name": MODEL, "base_model": "sdxl", "model_type": "main"},
        "loras": [{"lora": {"model_name": "ink-style", "base_model": "sdxl"}, "weight": 0.8}],
        "app_version": "4.2.9",
    }
    return _png(folder / "invokeai.png", {"invokeai_metadata": json.dumps(metadata)})


def novelai(folder: Path) -> Path:
    """NovelAI: "Description" (the prompt), "Source" (model and hash), "Comment" (JSON settings)."""
    comment = {
        "prompt": PROMPT,
        "steps": STEPS,
        "height": HEIGHT,
        "width": WIDTH,
        "scale": GUIDANCE,
        "uncond_scale": 1.0,
        "cfg_rescale": 0.0,
        "seed": SEED,
        "n_samples": 1,
        "noise_schedule": "native",
        "sampler": "k_euler_ancestral",
        "uc": NEGATIVE,
        "strength": 0.7,
        "noise": 0.0,
    }
    chunks = {
        "Title": "NovelAI generated image",
        "Description": PROMPT,
        "Software": "NovelAI",
        "Source": "Stable Diffusion XL C1E1DE52",
        "Comment": json.dumps(comment),
    }
    return _png(folder / "novelai.png", chunks)


BUILDERS = {
    "AUTOMATIC1111": automatic1111,
    "AUTOMATIC1111 JPEG": automatic1111_jpeg,
    "ComfyUI": comfyui,
    "Fooocus": fooocus,
    "InvokeAI": invokeai,
    "NovelAI": novelai,
}
