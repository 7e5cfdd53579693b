"""Demo mode: tiny random-weight SDXL, FLUX and SD3 models, offered under ``demo-*`` names, and a LoRA for each.

The catalog lists them without importing torch; the first load builds the model's folder
once (``save_pretrained``) and then goes through the same ``from_pretrained`` path as any
user folder. They draw noise: they exist so every part of the app can be tried offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qpyt_gradio.models.catalog import ModelSpec

DEMO_DEFAULTS = {"steps": 4, "width": 128, "height": 128}


@dataclass(frozen=True)
class DemoModel:
    name: str
    family: str
    variant: str
    builder: str


@dataclass(frozen=True)
class DemoLora:
    """A tiny LoRA built for the demo engine of ``family``, with its seed and trigger phrase."""

    name: str
    family: str
    seed: int
    trigger: str


DEMO_LORAS = (
    DemoLora("demo-sdxl-ink", "sdxl", 1, "ink style"),
    DemoLora("demo-flux-glow", "flux", 2, "glow style"),
    DemoLora("demo-sd3-grain", "sd3", 3, "grain style"),
)


DEMO_MODELS = (
    DemoModel("demo-sdxl", "sdxl", "base", "sdxl_pipeline"),
    DemoModel("demo-flux", "flux", "dev", "flux_pipeline"),
    DemoModel("demo-sd3", "sd3", "medium", "sd3_pipeline"),
)


def demo_specs(root: Path) -> list[ModelSpec]:
    """Catalog entries for the demo models, whose folders live under ``root``."""
    return [
        ModelSpec(
            model.name,
            "folder",
            str(root / model.name),
            model.family,
            model.variant,
            demo=True,
            default_overrides=dict(DEMO_DEFAULTS),
        )
        for model in DEMO_MODELS
    ]


def build_demo_model(spec: ModelSpec) -> Path:
    """Make sure the folder of demo model ``spec`` exists (built once, atomically)."""
    model = next(model for model in DEMO_MODELS if model.name == spec.name)
    from qpyt_gradio.demo import pipelines  # torch and diffusers: imported when a demo model is first loaded
    from qpyt_gradio.demo.folders import ensure_built

    builder = getattr(pipelines, model.builder)
    return ensure_built(Path(spec.location), lambda folder: builder().save_pretrained(folder))


def with_demo_models(loader: Any) -> Any:
    """Wrap a pipeline loader so that demo models are built before their first load."""

    def load(spec: ModelSpec, dtype: Any) -> Any:
        if spec.demo:
            build_demo_model(spec)
        return loader(spec, dtype)

    return load


def ensure_demo_loras(folder: Path) -> None:
    """Build the demo LoRAs into ``folder`` unless they are there already (each on a tiny engine), each with
    a preview image beside it, as a user's LoRA may have."""
    missing = [lora for lora in DEMO_LORAS if not (folder / f"{lora.name}.safetensors").is_file()]
    if missing:
        from qpyt_gradio.demo import pipelines
        from qpyt_gradio.demo.loras import build_demo_loras

        builders = {model.family: getattr(pipelines, model.builder) for model in DEMO_MODELS}
        build_demo_loras(folder, {lora.family: builders[lora.family]() for lora in missing})
    for index, lora in enumerate(DEMO_LORAS):
        preview = folder / f"{lora.name}.png"
        if not preview.is_file():
            partial = preview.with_name(f".{preview.name}.partial")
            _swatch(index).save(partial, format="PNG")
            partial.replace(preview)


def _swatch(index: int) -> Any:
    """A small gradient in one of three hues: the demo LoRAs' preview pictures."""
    from PIL import Image

    hue = (index * 85) % 256
    ramp = Image.linear_gradient("L").resize((128, 128))
    return Image.merge("HSV", (Image.new("L", (128, 128), hue), Image.new("L", (128, 128), 160), ramp)).convert("RGB")
