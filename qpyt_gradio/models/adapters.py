"""LoRA adapters on the resident image pipeline: loaded once per file, weighted with ``set_adapters``.

Each LoRA file becomes one named adapter the first time a job asks for it. Later jobs only
change which adapters are active and their weights (no file is read); a LoRA no job asks for
any more is deleted; a new version of a file is a new adapter. The img2img and inpaint
variants share the denoiser and text encoders, so they share the adapters.

``fused`` (the default) merges the active adapters into the weights, so sampling costs what it
costs without LoRAs, and a set of LoRAs gives the same pixels whatever ran before it. The
weights the merge changes are copied first and put back before any change, so unfusing is exact
rather than a subtraction. ``unfused`` keeps the adapters beside the weights (their output
differs from the fused one by rounding, at most a step or two of a pixel value). Offloading
strategies that move weights layer by layer never fuse.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.loras.selection import AdapterUse

# A LoRA without text-encoder weights (most of them) makes diffusers warn once per encoder on every load.
logging.getLogger("diffusers.loaders.lora_base").setLevel(logging.ERROR)

Weights = tuple[tuple[str, float], ...]


@dataclass
class Adapters:
    """The adapters attached to one resident pipeline, and what is fused into its weights.

    ``active`` is None when the pipeline's active adapters are not known (after a failed load):
    the next job sets them again.
    """

    mode: str = "fused"
    fusable: bool = True
    loaded: dict[str, AdapterUse] = field(default_factory=dict)
    active: Weights | None = ()
    fused: bool = False
    _saved: dict[int, tuple[torch.nn.Parameter, torch.Tensor]] = field(default_factory=dict)
    _merged: list[Any] = field(default_factory=list)
    _layers: list[Any] | None = None
    _disabled: bool = False
    file_reads: int = 0

    def apply(self, pipeline: Any, uses: Sequence[AdapterUse], model_label: str) -> None:
        """Make ``uses`` the active LoRAs of ``pipeline`` (weight 0 = loaded, off); others are deleted."""
        wanted = tuple((use.adapter_name, use.weight) for use in uses if use.weight != 0)
        try:
            self._apply(pipeline, uses, wanted, model_label)
        except Exception:
            self.active = None
            raise

    def _apply(self, pipeline: Any, uses: Sequence[AdapterUse], wanted: Weights, model_label: str) -> None:
        keep = {use.adapter_name for use in uses}
        stale = [name for name in self.loaded if name not in keep]
        missing = [use for use in uses if use.adapter_name not in self.loaded]
        if stale or missing or wanted != self.active:
            self._unfuse(pipeline)  # peft must never re-weight or load beside merged weights
        if stale:
            self._layers = None
            pipeline.delete_adapters(stale)
            for name in stale:
                del self.loaded[name]
            if not self.loaded:
                self._saved.clear()
        for use in missing:
            self._load(pipeline, use, model_label)
        if missing or stale or wanted != self.active:
            self._activate(pipeline, wanted)
        if wanted and self.fusable and self.mode == "fused" and not self.fused:
            self._fuse(pipeline, [name for name, _weight in wanted])

    def _load(self, pipeline: Any, use: AdapterUse, model_label: str) -> None:
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Already found a `peft_config`")  # one per adapter
                pipeline.load_lora_weights(str(use.path), adapter_name=use.adapter_name)
        except Exception as error:  # a file that does not fit leaves nothing behind
            if use.adapter_name in _listed(pipeline):
                pipeline.delete_adapters([use.adapter_name])
            raise InvalidInput(
                f"LoRA {use.name!r} does not fit {model_label}: {str(error).splitlines()[0][:200]}"
            ) from None
        self.file_reads += 1
        self.loaded[use.adapter_name] = use
        self._layers = None

    def _activate(self, pipeline: Any, wanted: Weights) -> None:
        if not self.loaded:
            self.active = ()
            return
        if not wanted:
            pipeline.disable_lora()
        else:
            if self._disabled or self.active is None:
                pipeline.enable_lora()
            pipeline.set_adapters([name for name, _ in wanted], [weight for _, weight in wanted])
        self._disabled = not wanted
        self.active = wanted

    def _fuse(self, pipeline: Any, names: list[str]) -> None:
        """Merge ``names`` into the weights layer by layer, first keeping a copy of each weight it changes; the
        copies stay while adapters are loaded, so a re-fuse copies nothing."""
        if self._layers is None:  # walked again only when adapters were loaded or deleted
            self._layers = _lora_modules(pipeline)
        layers = [layer for layer in self._layers if any(name in layer.lora_A for name in names)]
        self._merged = layers
        self.fused = True
        for layer in layers:
            weight = layer.get_base_layer().weight
            if id(weight) not in self._saved:
                self._saved[id(weight)] = (weight, weight.detach().to("cpu", copy=True))
            _merge(layer, [name for name in names if name in layer.lora_A])

    def _unfuse(self, pipeline: Any) -> None:
        """Put back the weights the merge changed, exactly (a copy, not a subtraction)."""
        if not self.fused:
            return
        with torch.no_grad():
            for layer in self._merged:
                weight = layer.get_base_layer().weight
                saved = self._saved.get(id(weight))
                if saved is not None:
                    weight.copy_(saved[1].to(weight.device))
                layer.merged_adapters.clear()
        self._merged = []
        self.fused = False

    def report(self) -> list[tuple[str, str, int]]:
        """(LoRA name, state, file bytes) of each loaded adapter, for the memory panel."""
        active = dict(self.active or ())
        rows = []
        for name, use in list(self.loaded.items()):
            state = f"{'fused' if self.fused else 'active'} · {active[name]:g}" if name in active else "off"
            rows.append((use.name, state, use.identity[1]))
        return rows


def _merge(layer: Any, names: list[str]) -> None:
    """Add ``names``' scaled products B·A into the layer's weight: one BLAS call each (``addmm_``, no delta
    tensor) for a plain LoRA of a linear layer, else peft's own merge (convolutions, DoRA, LoRA biases,
    half precision on the CPU, which peft computes in float32)."""
    weight = layer.get_base_layer().weight
    plain = (
        type(layer.get_base_layer()) is torch.nn.Linear
        and not layer.fan_in_fan_out
        and not (weight.device.type == "cpu" and weight.dtype in (torch.float16, torch.bfloat16))
        and not any(name in layer.lora_variant or layer.lora_bias[name] for name in names)
    )
    if not plain:
        layer.merge(adapter_names=names)
        return
    with torch.no_grad():
        for name in names:
            down, up = layer.lora_A[name].weight, layer.lora_B[name].weight
            weight.addmm_(up.to(weight.dtype), down.to(weight.dtype), alpha=layer.scaling[name])
            layer.merged_adapters.append(name)


def _listed(pipeline: Any) -> set[str]:
    return {name for names in pipeline.get_list_adapters().values() for name in names}


def _lora_modules(pipeline: Any) -> list[Any]:
    """The LoRA layers of ``pipeline``'s components."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    components = getattr(pipeline, "components", {}) or {}
    return [
        module
        for component in components.values()
        if isinstance(component, torch.nn.Module)
        for module in component.modules()
        if isinstance(module, BaseTunerLayer) and hasattr(module, "get_base_layer") and hasattr(module, "lora_A")
    ]
