"""Parameters carried in PNG text chunks, written and read back.

Two chunks are written: ``parameters``, in the AUTOMATIC1111 layout that other tools and
image sites read, and ``qpyt``, the full parameters as JSON, which is what this app reads back
(other tools' chunks are read by :mod:`qpyt_gradio.image_parameters`).
"""

from __future__ import annotations

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


def read_parameters(path: Path) -> dict[str, Any]:
    """The parameters this app stored in an image file (its ``qpyt`` chunk), or an empty dict (other tools'
    parameters are read by :mod:`qpyt_gradio.image_parameters`)."""
    with Image.open(path) as image:
        return parameters_in(text_chunks(image))


def text_chunks(image: Image.Image) -> dict[str, Any]:
    """An opened image's text chunks (PNG) or info (other formats)."""
    return dict(getattr(image, "text", {}) or image.info)


def parameters_in(chunks: dict[str, Any]) -> dict[str, Any]:
    """The parameters of this app's ``qpyt`` chunk among ``chunks``, or an empty dict."""
    try:
        value = json.loads(chunks.get(QPYT_CHUNK, ""))
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
