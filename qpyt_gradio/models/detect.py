"""Recognise a model from its files: diffusers folder, single ``.safetensors`` or ``.gguf`` checkpoint.

Only headers and small JSON files are read, never the weights, and never a pickle: a
``.safetensors`` header is plain JSON and a GGUF header is read by gguf's reader, so a
corrupted or truncated file is caught here with a message, before any loader touches it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qpyt_gradio.engines import ENGINES, family_of_checkpoint_keys, family_of_pipeline_class
from qpyt_gradio.errors import InvalidInput, ModelUnavailable
from qpyt_gradio.models.gguf_file import GGUF_SUFFIX, read_gguf, refuse_undequantizable
from qpyt_gradio.models.safetensors_file import PICKLE_SUFFIXES, read_header

VAE_PREFIXES = ("first_stage_model.", "vae.")
SUPPORTED = ", ".join(engine.label for engine in ENGINES.values())
GGUF_ARCHITECTURES = {"flux": "flux", "sd3": "sd3", "sdxl": "sdxl"}


@dataclass(frozen=True)
class Detected:
    """What the files say: the engine family, a structural variant hint where the files tell,
    for a single file whether it holds the denoiser alone (no VAE inside), and for a GGUF file
    its quant type (``Q8_0``...) and size in bytes."""

    family: str
    structure: str | None = None
    denoiser_only: bool = False
    quant: str | None = None
    size: int | None = None


def refuse_pickle(path: Path) -> None:
    """Raise for checkpoint formats that can run code when loaded."""
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise ModelUnavailable(
            f"{path.name} is a pickle-based checkpoint ({path.suffix}), which can run arbitrary code when "
            "loaded. Qpyt-UI only loads .safetensors: download the .safetensors version of this model."
        )


def safetensors_keys(path: Path) -> set[str]:
    """Tensor names of a ``.safetensors`` file, after checking the file is whole."""
    if not path.is_file():
        raise ModelUnavailable(f"{path.name} is no longer in the models folder: put it back or press Rescan.")
    try:
        entries, _metadata = read_header(path)
    except InvalidInput as problem:
        raise ModelUnavailable(str(problem)) from None
    return set(entries)


def detect_checkpoint(path: Path) -> Detected:
    """Family (and variant hint) of a single-file checkpoint, from its tensor names."""
    refuse_pickle(path)
    if path.suffix.lower() == GGUF_SUFFIX:
        return detect_gguf(path)
    keys = safetensors_keys(path)
    family = family_of_checkpoint_keys(keys)
    if family is None:
        raise ModelUnavailable(
            f"{path.name} is not a checkpoint of a supported family ({SUPPORTED}): none of their "
            "tensor names is in it. SD 1.5, LoRA and VAE files are not image models Qpyt-UI can load here."
        )
    denoiser_only = not any(key.startswith(VAE_PREFIXES) for key in keys)
    return Detected(family, _checkpoint_structure(family, keys), denoiser_only)


def detect_gguf(path: Path) -> Detected:
    """Family, variant hint, quant type and size of a GGUF denoiser, from its architecture and tensor names."""
    if not path.is_file():
        raise ModelUnavailable(f"{path.name} is no longer in the models folder: put it back or press Rescan.")
    try:
        contents = read_gguf(path)
        refuse_undequantizable(path, contents)
    except InvalidInput as problem:
        raise ModelUnavailable(str(problem)) from None
    keys = set(contents.tensor_types)
    family = GGUF_ARCHITECTURES.get(contents.architecture or "") or family_of_checkpoint_keys(keys)
    if family is None:
        raise ModelUnavailable(
            f"{path.name} is a GGUF of architecture {contents.architecture or 'unnamed'!r}; Qpyt-UI runs GGUF "
            f"denoisers of {SUPPORTED} (architecture flux, sd3 or sdxl): put a GGUF of one of those in the models "
            "folder."
        )
    return Detected(family, _checkpoint_structure(family, keys), True, contents.quant, contents.size)


def _checkpoint_structure(family: str, keys: set[str]) -> str | None:
    stripped = {key.removeprefix("model.diffusion_model.") for key in keys}
    if family == "flux":
        guidance = {"guidance_in.in_layer.weight", "time_text_embed.guidance_embedder.linear_1.weight"}
        return "guidance_embeds" if guidance & stripped else "no_guidance_embeds"
    if family == "sd3":
        large = ("joint_blocks.37.", "transformer_blocks.37.")
        return "large" if any(key.startswith(large) for key in stripped) else "medium"
    return None


def detect_folder(folder: Path) -> Detected:
    """Family (and variant hint) of a diffusers folder, from ``model_index.json`` and the denoiser config."""
    index = read_json(folder / "model_index.json", f"{folder.name} is not a diffusers folder (no model_index.json).")
    class_name = str(index.get("_class_name", ""))
    family = family_of_pipeline_class(class_name)
    if family is None:
        raise ModelUnavailable(
            f"{folder.name} holds a {class_name or 'unnamed'} pipeline; Qpyt-UI runs {SUPPORTED} pipelines."
        )
    return Detected(family, _folder_structure(family, folder))


def family_of_model_index(index: dict[str, object], name: str) -> str:
    """Family declared by a model_index.json that was fetched from the Hub."""
    class_name = str(index.get("_class_name", ""))
    family = family_of_pipeline_class(class_name)
    if family is None:
        raise ModelUnavailable(f"{name} is a {class_name or 'unnamed'} pipeline; Qpyt-UI runs {SUPPORTED} pipelines.")
    return family


def _folder_structure(family: str, folder: Path) -> str | None:
    config_path = folder / "transformer" / "config.json"
    if family not in ("flux", "sd3") or not config_path.is_file():
        return None
    config = read_json(config_path, f"{config_path} is unreadable.")
    if family == "flux":
        return "guidance_embeds" if config.get("guidance_embeds") else "no_guidance_embeds"
    return "large" if int(config.get("num_layers", 0)) >= 38 else "medium"


def read_json(path: Path, missing_message: str) -> dict[str, object]:
    """A JSON object from ``path``; :class:`ModelUnavailable` with ``missing_message`` if absent."""
    if not path.is_file():
        raise ModelUnavailable(missing_message)
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"{path} is not valid JSON ({error}).") from None
    if not isinstance(value, dict):
        raise ModelUnavailable(f"{path} is not a JSON object.")
    return value
