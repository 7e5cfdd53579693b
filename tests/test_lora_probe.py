"""LoRA files: family, layout, rank and trigger words read from the header; bad files refused with a reason;
demo LoRAs that load into their tiny pipeline and change its output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from support import lora_files

from qpyt_gradio.demo import pipelines
from qpyt_gradio.demo.loras import DENOISERS, build_demo_lora, build_demo_loras
from qpyt_gradio.demo.models import DEMO_LORAS
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.loras.probe import LoraInfo, probe, read_header

BUILDERS = {"sdxl": pipelines.sdxl_pipeline, "flux": pipelines.flux_pipeline, "sd3": pipelines.sd3_pipeline}
FAMILIES = tuple(BUILDERS)
# A and B for each attention projection: 32 in the UNet; 8 in FLUX's double block and 3 in its single block;
# 8 and 7 in SD3's two blocks (the last one has no context output).
DEMO_TENSORS = {"sdxl": 64, "flux": 22, "sd3": 30}


def tiny_pipeline(family: str) -> Any:
    """A tiny pipeline in inference mode: freshly built modules train, and the T5 encoder's dropout is random."""
    pipeline = BUILDERS[family]()
    for component in pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def render(pipeline: Any) -> np.ndarray:
    generator = torch.Generator().manual_seed(0)
    result = pipeline("a lighthouse", num_inference_steps=2, height=64, width=64, generator=generator, output_type="np")
    return result.images[0]


def mean_change(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.abs(first - second).mean())


@pytest.fixture(scope="module")
def tiny_pipelines() -> dict[str, Any]:
    return {family: tiny_pipeline(family) for family in FAMILIES}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory, tiny_pipelines: dict[str, Any]) -> Path:
    folder = tmp_path_factory.mktemp("loras")
    build_demo_loras(folder, tiny_pipelines)
    return folder


def demo_path(folder: Path, family: str) -> Path:
    return folder / f"{next(lora.name for lora in DEMO_LORAS if lora.family == family)}.safetensors"


@pytest.mark.parametrize("lora", DEMO_LORAS, ids=lambda lora: lora.name)
def test_a_demo_lora_is_a_diffusers_lora_of_its_family(demo_folder: Path, lora) -> None:
    info = probe(demo_folder / f"{lora.name}.safetensors")
    assert info == LoraInfo(
        family=lora.family,
        format="diffusers",
        rank=4,
        tensors=DEMO_TENSORS[lora.family],
        triggers=(lora.trigger,),
        title=lora.name,
        text_encoder=False,
    )


def test_demo_loras_are_built_once_and_atomically(demo_folder: Path, tiny_pipelines: dict[str, Any]) -> None:
    before = {path: path.stat().st_mtime_ns for path in demo_folder.iterdir()}
    paths = build_demo_loras(demo_folder, tiny_pipelines)
    assert sorted(paths) == sorted(before) == sorted(demo_folder.iterdir())
    assert {path: path.stat().st_mtime_ns for path in paths} == before
    assert build_demo_loras(demo_folder, {"flux": tiny_pipelines["flux"]}) == [demo_path(demo_folder, "flux")]


def test_the_header_holds_the_layout_save_lora_weights_writes(demo_folder: Path) -> None:
    entries, metadata = read_header(demo_path(demo_folder, "sdxl"))
    key = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight"
    assert entries[key]["shape"] == [4, 64]
    assert all(name.startswith("unet.") for name in entries)
    assert metadata["modelspec.trigger_phrase"] == "ink style"
    assert json.loads(metadata["lora_adapter_metadata"])["unet.r"] == 4


@pytest.mark.parametrize("family", FAMILIES)
def test_building_a_lora_leaves_the_pipeline_and_the_random_state_as_they_were(tmp_path: Path, family: str) -> None:
    pipeline = tiny_pipeline(family)
    denoiser = getattr(pipeline, DENOISERS[family][0])
    before = {name: tensor.clone() for name, tensor in denoiser.state_dict().items()}
    rng = torch.random.get_rng_state()
    path = build_demo_lora(pipeline, family, tmp_path / "sub" / "mine.safetensors", seed=7)
    after = denoiser.state_dict()
    assert after.keys() == before.keys()
    assert all(torch.equal(after[name], tensor) for name, tensor in before.items())
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert [entry.name for entry in path.parent.iterdir()] == ["mine.safetensors"]
    assert probe(path).title == "mine" and probe(path).triggers == ()


@pytest.mark.parametrize("family", FAMILIES)
def test_a_demo_lora_loads_and_changes_the_image_by_its_weight(demo_folder: Path, family: str) -> None:
    pipeline = tiny_pipeline(family)
    base = render(pipeline)
    pipeline.load_lora_weights(demo_path(demo_folder, family), adapter_name="demo")
    full = render(pipeline)
    pipeline.set_adapters(["demo"], [0.5])
    half = render(pipeline)
    pipeline.set_adapters(["demo"], [0.0])
    assert np.array_equal(render(pipeline), base)
    assert mean_change(full, base) > 0.03
    assert mean_change(half, full) > 0.005 and mean_change(half, base) > 0.005


def test_a_kohya_sdxl_lora_is_recognised_and_loads(tmp_path: Path, tiny_pipelines: dict[str, Any]) -> None:
    path = lora_files.kohya_sdxl_lora(tiny_pipelines["sdxl"], tmp_path / "kohya.safetensors", seed=5)
    info = probe(path)
    assert (info.family, info.format, info.rank, info.text_encoder) == ("sdxl", "kohya", 4, False)
    assert info.triggers == ("ink", "sketch", "monochrome", "paper")
    pipeline = tiny_pipeline("sdxl")
    base = render(pipeline)
    pipeline.load_lora_weights(path, adapter_name="k")
    assert mean_change(render(pipeline), base) > 0.03


SDXL_TO_K = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k"
SD_TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k"
REAL_LAYOUTS = {
    "sdxl-diffusers": (
        {f"unet.{SDXL_TO_K}.lora_A.weight": (8, 2048), f"unet.{SDXL_TO_K}.lora_B.weight": (640, 8)},
        ("sdxl", "diffusers", None, False),
    ),
    "sdxl-kohya-original-blocks": (
        {
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight": (8, 2048),
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight": (640, 8),
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.alpha": (),
        },
        ("sdxl", "kohya", None, False),
    ),
    "sdxl-kohya-text-encoders": (
        {
            "lora_te1_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight": (8, 768),
            "lora_te2_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight": (8, 1280),
        },
        ("sdxl", "kohya", None, True),
    ),
    "sdxl-diffusers-text-encoder-2": (
        {"text_encoder_2.text_model.encoder.layers.0.self_attn.k_proj.lora_A.weight": (8, 1280)},
        ("sdxl", "diffusers", None, True),
    ),
    "flux-diffusers": (
        {
            "transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight": (16, 3072),
            "transformer.single_transformer_blocks.0.attn.to_q.lora_B.weight": (3072, 16),
        },
        ("flux", "diffusers", None, False),
    ),
    "flux-double-blocks-only": (
        {"transformer.transformer_blocks.0.attn.to_q.lora_A.weight": (16, 3072)},
        ("flux", "diffusers", None, False),
    ),
    "flux-kohya": (
        {
            "lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight": (16, 3072),
            "lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight": (9216, 16),
        },
        ("flux", "kohya", None, False),
    ),
    "flux-bfl": (
        {"diffusion_model.double_blocks.0.img_attn.qkv.lora_A.weight": (16, 3072)},
        ("flux", "original", None, False),
    ),
    "sd3-diffusers": (
        {"transformer.transformer_blocks.0.attn.add_q_proj.lora_A.weight": (16, 1536)},
        ("sd3", "diffusers", None, False),
    ),
    "sd3-kohya": (
        {"lora_unet_joint_blocks_0_context_block_attn_qkv.lora_down.weight": (16, 1536)},
        ("sd3", "kohya", None, False),
    ),
    "sd2-diffusers": ({f"unet.{SD_TO_K}.lora_A.weight": (8, 1024)}, (None, "diffusers", "SD 2.x", False)),
    "sd15-attention-processors": (
        {"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_k_lora.down.weight": (4, 768)},
        (None, "diffusers", "SD 1.5", False),
    ),
    "unknown": ({"lora_unet_some_block.lora_down.weight": (4, 32)}, (None, "kohya", None, False)),
}


@pytest.mark.parametrize("layout", REAL_LAYOUTS)
def test_real_size_layouts(tmp_path: Path, layout: str) -> None:
    shapes, expected = REAL_LAYOUTS[layout]
    info = probe(lora_files.header_only_lora(tmp_path / "lora.safetensors", shapes))
    assert (info.family, info.format, info.base_hint, info.text_encoder) == expected


def test_an_sd15_lora_names_its_base(tmp_path: Path) -> None:
    info = probe(lora_files.sd15_lora(tmp_path / "sd15.safetensors"))
    assert (info.family, info.base_hint, info.rank, info.tensors) == (None, "SD 1.5", 8, 2)


def test_the_rank_is_the_most_common_one(tmp_path: Path) -> None:
    shapes = {f"unet.block{i}.to_q.lora_A.weight": (rank, 64) for i, rank in enumerate((8, 16, 8, 4))}
    shapes |= {f"unet.block{i}.to_q.lora_B.weight": (64, rank) for i, rank in enumerate((8, 16, 8, 4))}
    assert probe(lora_files.header_only_lora(tmp_path / "mixed.safetensors", shapes)).rank == 8


TAGS = {"a": {f"tag{i}": i for i in range(1, 12)}, "b": {"tag1": 20, " ": 99}}


@pytest.mark.parametrize(
    ("metadata", "triggers", "title"),
    [
        (
            {"modelspec.trigger_phrase": "ink style, sketch ,, ", "modelspec.title": "Ink"},
            ("ink style", "sketch"),
            "Ink",
        ),
        ({"modelspec.trigger_phrase": "glow", "ss_tag_frequency": json.dumps(TAGS)}, ("glow",), None),
        ({"ss_tag_frequency": json.dumps(TAGS)}, ("tag1", *(f"tag{i}" for i in range(11, 2, -1))), None),
        ({"ss_tag_frequency": "{not json", "modelspec.trigger_phrase": " "}, (), None),
        ({"ss_tag_frequency": json.dumps(["a list"])}, (), None),
    ],
    ids=["trigger-phrase", "trigger-phrase-first", "tag-frequency", "unreadable-tags", "tags-not-a-dict"],
)
def test_triggers_and_title(tmp_path: Path, metadata: dict, triggers: tuple, title: str | None) -> None:
    path = lora_files.header_only_lora(tmp_path / "tagged.safetensors", {"unet.to_q.lora_A.weight": (4, 8)}, metadata)
    info = probe(path)
    assert (info.triggers, info.title) == (triggers, title)


REFUSALS: dict[str, tuple[str, Callable[[Path], Path], tuple[str, ...]]] = {
    "pickle": ("old.ckpt", lora_files.pickle_file, ("pickle", "not opened", ".safetensors")),
    "pickle-renamed": ("renamed.safetensors", lora_files.pickle_file, ("pickle", "not opened", ".safetensors")),
    "random-bytes": ("noise.safetensors", lora_files.random_bytes, ("not a safetensors file", "100 MB", "Download")),
    "header-past-the-end": (
        "short.safetensors",
        lora_files.header_past_end,
        ("header claims 1,000 bytes", "more than the file's 10 bytes"),
    ),
    "header-too-large": ("huge.safetensors", lora_files.huge_header, ("157,286,400 bytes", "over the 100 MB limit")),
    "invalid-json": ("bad.safetensors", lora_files.invalid_json, ("damaged", "not valid safetensors JSON")),
    "truncated": ("cut.safetensors", lora_files.truncated, ("truncated", "Download it again")),
    "not-a-lora": (
        "model.safetensors",
        lora_files.not_a_lora,
        ("is not a LoRA", "among its 2 tensors", "models folder"),
    ),
    "empty": ("empty.safetensors", lora_files.empty, ("not a safetensors file", "only 0 bytes")),
    "missing": ("gone.safetensors", lambda path: path, ("gone.safetensors is not there",)),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_files_are_refused_with_the_reason(tmp_path: Path, case: str) -> None:
    name, write, words = REFUSALS[case]
    with pytest.raises(InvalidInput) as refusal:
        probe(write(tmp_path / name))
    for word in words:
        assert word in str(refusal.value)


def test_the_probe_imports_no_torch() -> None:
    code = "import sys, qpyt_gradio.loras.probe; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent).returncode == 0
