"""Demo mode: tiny random-weight SDXL, FLUX and SD3 models, offered under ``demo-*`` names.

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
    """Build the demo LoRAs into ``folder`` unless they are there already (each on a tiny engine)."""
    from qpyt_gradio.demo.loras import DEMO_LORAS

    families = {lora.family for lora in DEMO_LORAS if not (folder / f"{lora.name}.safetensors").is_file()}
    if not families:
        return
    from qpyt_gradio.demo import pipelines
    from qpyt_gradio.demo.loras import build_demo_loras

    builders = {model.family: getattr(pipelines, model.builder) for model in DEMO_MODELS}
    build_demo_loras(folder, {family: builders[family]() for family in families})
