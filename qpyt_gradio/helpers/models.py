"""The helper models (captioner, translator, prompt enhancer) and how the registry loads them.

A helper is named by a setting: a hub id, a local folder, or in demo mode a ``demo-*`` name
whose tiny model is built on first use. Loading goes through transformers' own classes with
safetensors weights only and never runs remote code; a model that cannot be loaded gets a
message naming the setting to change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import transformers

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.helpers.kinds import ENHANCE, HELPER_KINDS, HelperKind, enhancer_choices, enhancer_kind, model_id_for
from qpyt_gradio.models.hub import hub_errors
from qpyt_gradio.models.registry import HelperSpec, Registry
from qpyt_gradio.settings import Settings


@dataclass
class LoadedHelper:
    """A helper network and the processor or tokenizer that goes with it."""

    model: torch.nn.Module
    processor: Any

    @property
    def components(self) -> dict[str, Any]:
        return {"model": self.model}

    def to(self, device: torch.device) -> LoadedHelper:
        self.model.to(device)
        return self


@contextlib.contextmanager
def _named_setting(helper: HelperKind, model_id: str) -> Iterator[None]:
    try:
        with hub_errors(model_id):
            yield
    except ModelUnavailable as problem:
        raise ModelUnavailable(f"{helper.label}: {problem} The model is set by {helper.setting}.") from None
    except (ValueError, RuntimeError) as problem:
        raise ModelUnavailable(
            f"{helper.label} model {model_id} could not be loaded ({problem}). Change {helper.setting}."
        ) from None


def load_helper(helper: HelperKind, model_id: str, demo_root: Path) -> LoadedHelper:
    """Load a helper on the CPU from a hub id, a folder, or a demo name (built on first use)."""
    source = model_id
    if model_id == helper.demo_model:
        from qpyt_gradio.demo import helper_models  # the tiny builders need torch: only on first use
        from qpyt_gradio.demo.folders import ensure_built

        source = str(ensure_built(demo_root / model_id, getattr(helper_models, helper.demo_writer)))
    with _named_setting(helper, model_id):
        model = getattr(transformers, helper.model_class).from_pretrained(source, use_safetensors=True)
        processor = getattr(transformers, helper.processor_class).from_pretrained(source)
    return LoadedHelper(model.eval(), processor)


def helper_spec(helper: HelperKind, model_id: str, demo_root: Path, kind: str | None = None) -> HelperSpec:
    """What the registry needs to load ``helper`` with ``model_id`` lazily (as ``kind``, default the role's)."""
    return HelperSpec(
        kind or helper.kind,
        f"{helper.label} · {model_id}",
        lambda: load_helper(helper, model_id, demo_root),
        prefers_accelerator=helper.prefers_accelerator,
    )


def register_helpers(registry: Registry, settings: Settings) -> None:
    """Register the prompt helpers with the models the settings name, the other enhancers a user may
    choose, and rembg's models."""
    from qpyt_gradio.finishing.background import background_specs

    for helper in HELPER_KINDS.values():
        registry.register_helper(helper_spec(helper, model_id_for(helper, settings), settings.demo_models_dir))
    for model_id in enhancer_choices(settings)[1:]:
        kind = enhancer_kind(model_id, settings)
        registry.register_helper(helper_spec(ENHANCE, model_id, settings.demo_models_dir, kind))
    for spec in background_specs(settings.rembg_home, settings.demo):
        registry.register_helper(spec)
