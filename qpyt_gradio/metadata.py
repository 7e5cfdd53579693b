"""Parameters carried in PNG text chunks, written and read back.

Two chunks are written: ``parameters``, in the AUTOMATIC1111 layout that other tools and
image sites read, and ``qpyt``, the full parameters as JSON. Reading prefers ``qpyt`` and
falls back to parsing an A1111 ``parameters`` chunk, so images from A1111/Forge load too.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from qpyt_gradio import __version__

A1111_CHUNK = "parameters"
QPYT_CHUNK = "qpyt"
APP_VERSION = f"Qpyt-UI {__version__}"

SAMPLER_NAMES = {
    "EulerDiscreteScheduler": "Euler",
    "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "KDPM2DiscreteScheduler": "DPM2",
    "HeunDiscreteScheduler": "Heun",
    "DDIMScheduler": "DDIM",
    "LCMScheduler": "LCM",
    "UniPCMultistepScheduler": "UniPC",
    "FlowMatchEulerDiscreteScheduler": "Euler (flow match)",
}
NEGATIVE_MARK = "Negative prompt:"
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x85\x0b\x0c]+\s*")
_SETTING = re.compile(r'\s*([\w ]+):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


def sampler_name(scheduler_class: str) -> str:
    """A1111-style sampler name for a diffusers scheduler class."""
    return SAMPLER_NAMES.get(scheduler_class, scheduler_class)


def a1111_text(parameters: dict[str, Any]) -> str:
    """The ``parameters`` chunk: the prompt as the model saw it with a ``<lora:…>`` tag per LoRA,
    ``Negative prompt:`` line, settings line (with ``Lora hashes`` and the styles, as A1111 writes them)."""
    loras = [lora for lora in parameters.get("lora_files", ()) if lora["weight"]]
    tags = " ".join(f"<lora:{lora['name']}:{lora['weight']:g}>" for lora in loras)
    prompt = _one_line(parameters.get("model_prompt", parameters["prompt"]))
    lines = [f"{prompt} {tags}".strip()]
    negative = _one_line(parameters.get("model_negative_prompt", parameters.get("negative_prompt")) or "")
    if negative:
        lines.append(f"{NEGATIVE_MARK} {negative}")
    settings = {
        "Steps": parameters["steps"],
        "Sampler": parameters.get("sampler", ""),
        "CFG scale": parameters["guidance"],
        "Seed": parameters["seed"],
        "Size": f"{parameters['width']}x{parameters['height']}",
        "Model": parameters["model"],
        "Lora hashes": ", ".join(f"{lora['name']}: {lora['a1111_hash']}" for lora in loras),
        "Styles array": json.dumps(parameters["styles"]) if parameters.get("styles") else "",
        "Version": APP_VERSION,
    }
    lines.append(", ".join(f"{key}: {_quote(value)}" for key, value in settings.items() if value != ""))
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """``text`` on one line, its own ``Negative prompt:`` spaced out: otherwise a prompt could forge a negative
    prompt or a settings line for the readers of this chunk (the ``qpyt`` chunk keeps the prompt exactly)."""
    return _LINE_BREAKS.sub(" ", text).replace(NEGATIVE_MARK, "Negative prompt :")


def _quote(value: object) -> str:
    text = str(value)
    return json.dumps(text) if any(char in text for char in ',:"\n') else text


def png_info(parameters: dict[str, Any]) -> PngInfo:
    """Text chunks for an image made with ``parameters`` (the A1111 one for generated images only)."""
    info = PngInfo()
    if "prompt" in parameters and "steps" in parameters:
        info.add_text(A1111_CHUNK, a1111_text(parameters))
    info.add_text(QPYT_CHUNK, json.dumps(parameters, ensure_ascii=False, sort_keys=True))
    return info


def parse_a1111(text: str) -> dict[str, Any]:
    """Parameters from an A1111 ``parameters`` chunk (the fields Qpyt-UI uses)."""
    lines = text.strip().split("\n")
    has_settings = "Steps:" in lines[-1]
    settings_line = lines[-1] if has_settings else ""
    body = lines[:-1] if has_settings else lines
    prompt_lines, negative_lines, in_negative = [], [], False
    for line in body:
        if line.startswith("Negative prompt:"):
            in_negative = True
            line = line.removeprefix("Negative prompt:").strip()
        (negative_lines if in_negative else prompt_lines).append(line)
    result: dict[str, Any] = {
        "prompt": "\n".join(prompt_lines).strip(),
        "negative_prompt": "\n".join(negative_lines).strip(),
    }
    settings = {key.strip(): _unquote(value.strip()) for key, value in _SETTING.findall(settings_line)}
    numbers = {"Steps": ("steps", int), "CFG scale": ("guidance", float), "Seed": ("seed", int)}
    for key, (field, kind) in numbers.items():
        if key in settings:
            with contextlib.suppress(ValueError):
                result[field] = kind(settings[key])
    if "x" in settings.get("Size", ""):
        width, _, height = settings["Size"].partition("x")
        if width.isdigit() and height.isdigit():
            result["width"], result["height"] = int(width), int(height)
    for key, field in (("Model", "model"), ("Sampler", "sampler")):
        if key in settings:
            result[field] = settings[key]
    return result


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    return value


def read_parameters(path: Path) -> dict[str, Any]:
    """Parameters stored in an image file, or an empty dict when it carries none."""
    with Image.open(path) as image:
        chunks = dict(getattr(image, "text", {}) or image.info)
    if QPYT_CHUNK in chunks:
        try:
            value = json.loads(chunks[QPYT_CHUNK])
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
    if isinstance(chunks.get(A1111_CHUNK), str):
        return parse_a1111(chunks[A1111_CHUNK])
    return {}
