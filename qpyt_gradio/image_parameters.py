"""Generation parameters read from an image made by any tool: Qpyt-UI's own chunk first, then what
``sd-parsers`` reads from AUTOMATIC1111 / Forge, ComfyUI, Fooocus, InvokeAI and NovelAI images (PNG,
and JPEG / WebP with an EXIF user comment), mapped to the Generate brick's names; what has no
meaning here is listed as ignored."""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.metadata import QPYT_CHUNK, parameters_in, text_chunks

GENERATE_FIELDS = (
    "prompt",
    "negative_prompt",
    "model",
    "width",
    "height",
    "steps",
    "guidance",
    "seed",
    "styles",
    "loras",
)
TOOL_NAMES = {
    "AUTOMATIC1111": "AUTOMATIC1111 / Forge",
    "COMFYUI": "ComfyUI",
    "FOOOCUS": "Fooocus",
    "INVOKEAI": "InvokeAI",
    "NOVELAI": "NovelAI",
}
_MODEL_SUFFIX = re.compile(r"\.(safetensors|ckpt|pt|bin|gguf)$", re.IGNORECASE)


@dataclass(frozen=True)
class ImageParameters:
    """What an image says of how it was made: the tool, the Generate fields, and the settings ignored."""

    tool: str
    parameters: dict[str, Any]
    ignored: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "parameters": self.parameters, "ignored": list(self.ignored)}


def read_image_parameters(path: Path) -> ImageParameters:
    """The parameters stored in the image at ``path``; the tool is "" when it carries none."""
    try:
        with Image.open(path) as image:
            chunks = text_chunks(image)
            if QPYT_CHUNK in chunks:
                stored = parameters_in(chunks)
                return ImageParameters("Qpyt-UI", {key: stored[key] for key in GENERATE_FIELDS if key in stored})
            from sd_parsers import ParserManager  # first use only

            info = ParserManager().parse(image)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise InvalidInput(f"{path.name} is not an image this app can read (PNG, JPEG, WebP...).") from None
    if info is None or not info.samplers:
        return ImageParameters("", {})
    return _mapped(TOOL_NAMES.get(info.generator.name, info.generator.value), info)


def _mapped(tool: str, info: Any) -> ImageParameters:
    sampler = info.samplers[0]
    settings = dict(sampler.parameters)
    metadata = dict(info.metadata)
    values: dict[str, Any] = {}
    ignored = [f"sampler: {sampler.name}"] if sampler.name else []
    prompt = ", ".join(item.value for item in sampler.prompts)
    negative = ", ".join(item.value for item in sampler.negative_prompts)
    if prompt:
        values["prompt"] = prompt
    if negative:
        values["negative_prompt"] = negative
    numbers = (("steps", "steps", _whole), ("cfg_scale", "guidance", float), ("seed", "seed", _whole))
    for source, field, number in numbers:
        raw = settings.pop(source, metadata.pop(source, None))
        with contextlib.suppress(TypeError, ValueError):
            values[field] = number(raw)
    size = _size(metadata)
    if size is not None:
        values["width"], values["height"] = size
    model = _model_name(sampler, metadata)
    if model:
        values["model"] = model
    loras = list(_loras(metadata))
    if loras:
        values["loras"] = loras
    ignored += [f"{key}: {value}" for key, value in {**settings, **metadata}.items() if _worth_naming(key)]
    return ImageParameters(tool, values, tuple(ignored))


def _whole(raw: Any) -> int:
    """A whole number written as a number or a text ("12345", "28.0"); large seeds stay exact."""
    try:
        return int(raw)
    except ValueError:
        return int(float(raw))


def _size(metadata: dict[str, Any]) -> tuple[int, int] | None:
    """Width and height, from whichever way the tool wrote them (the keys read are removed)."""
    pair: Any = None
    for node in ("EmptyLatentImage", "EmptySD3LatentImage"):  # ComfyUI
        latents = metadata.pop(node, None)
        if isinstance(latents, list) and latents and isinstance(latents[0], Mapping):
            pair = (latents[0].get("width"), latents[0].get("height"))
    if pair is None and "width" in metadata and "height" in metadata:  # InvokeAI, NovelAI
        pair = (metadata.pop("width"), metadata.pop("height"))
    if pair is None and isinstance(metadata.get("Size"), str):  # A1111: "832x1216"
        pair = metadata.pop("Size").lower().split("x")
    if pair is None and isinstance(metadata.get("resolution"), str):  # Fooocus: "(832, 1216)", a literal only
        with contextlib.suppress(ValueError, SyntaxError):
            pair = ast.literal_eval(metadata.pop("resolution"))
    try:
        width, height = (int(value) for value in pair)
    except (TypeError, ValueError):
        return None
    return width, height


def _model_name(sampler: Any, metadata: dict[str, Any]) -> str:
    """The checkpoint's name without its file extension."""
    name = sampler.model.name if sampler.model is not None else None
    if not isinstance(name, str):  # ComfyUI: a link when a LoRA loader sits between checkpoint and sampler
        loaders = metadata.pop("CheckpointLoaderSimple", None) or [{}]
        name = loaders[0].get("ckpt_name") if isinstance(loaders[0], Mapping) else None
    return _MODEL_SUFFIX.sub("", name.strip()) if isinstance(name, str) else ""


def _loras(metadata: dict[str, Any]) -> Iterator[list[Any]]:
    """``[name, weight]`` for each LoRA the tool listed apart from the prompt (Fooocus, InvokeAI); A1111's
    ``<lora:name:weight>`` tags stay in the prompt, which reads them itself."""
    for item in metadata.pop("loras", None) or []:
        with contextlib.suppress(TypeError, ValueError, KeyError, IndexError, AttributeError):
            if isinstance(item, Mapping):  # InvokeAI
                yield [str(item["lora"]["model_name"]), float(item["weight"])]
            else:  # Fooocus: [file name, weight, hash]
                yield [_MODEL_SUFFIX.sub("", str(item[0])), float(item[1])]


def _worth_naming(key: str) -> bool:
    return key not in {"prompt", "full_prompt", "full_negative_prompt", "SaveImage", "n_samples", "batch_size"}
