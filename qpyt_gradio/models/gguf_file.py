"""Reading a GGUF denoiser's description, safely: its architecture, tensor names and types, size.

The file is memory-mapped by gguf's reader and only its header is interpreted, never the
weights. A file that is not GGUF, a damaged or truncated one, and one holding a quant type
diffusers cannot dequantize are each refused with a message that says what to do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gguf import GGUFReader

from qpyt_gradio.errors import InvalidInput

if TYPE_CHECKING:
    import torch

GGUF_SUFFIX = ".gguf"
ORIGINAL_UNET_PREFIX = "model.diffusion_model."
ORIGINAL_UNET_PARTS = ("input_blocks.", "middle_block.", "output_blocks.", "time_embed.", "label_emb.", "out.")
GGUF_MAGIC = b"GGUF"
UNQUANTIZED = frozenset({"F32", "F16", "BF16"})


@dataclass(frozen=True)
class GGUFContents:
    """What a GGUF file's header says: ``general.architecture``, each tensor's type, the file size."""

    architecture: str | None
    tensor_types: dict[str, str]
    size: int

    @property
    def quant(self) -> str:
        """The most common quantized type of the weights (``Q8_0``...), else the most common type."""
        counts = Counter(kind for kind in self.tensor_types.values() if kind not in UNQUANTIZED)
        counts = counts or Counter(self.tensor_types.values())
        return counts.most_common(1)[0][0] if counts else "empty"


def read_gguf(path: Path) -> GGUFContents:
    """The header of a whole GGUF file; :class:`InvalidInput` for anything else."""
    if not path.is_file():
        raise InvalidInput(f"{path.name} is not there: check the file name or put the file back.")
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise InvalidInput(f"{path.name} is not a GGUF file (it does not start with 'GGUF'). Download it again.")
    damaged = InvalidInput(f"{path.name} is damaged or truncated: its GGUF header cannot be read. Download it again.")
    try:
        reader = GGUFReader(path, "r")
        tensors = [
            (tensor.name, tensor.tensor_type.name, int(tensor.data_offset + tensor.n_bytes))
            for tensor in reader.tensors
        ]
        field = reader.get_field("general.architecture")
        architecture = str(field.contents()) if field is not None else None
    except (ValueError, IndexError, KeyError, OSError, UnicodeDecodeError):
        raise damaged from None
    expected = max((end for _name, _kind, end in tensors), default=0)
    if size < expected:
        raise InvalidInput(
            f"{path.name} is truncated: {size:,} of its {expected:,} bytes are there. Download it again."
        )
    return GGUFContents(architecture, {name: kind for name, kind, _end in tensors}, size)


def refuse_undequantizable(path: Path, contents: GGUFContents) -> None:
    """Raise when a tensor's quant type is one diffusers cannot turn back into numbers."""
    from diffusers.quantizers.gguf.utils import SUPPORTED_GGUF_QUANT_TYPES

    readable = {kind.name for kind in SUPPORTED_GGUF_QUANT_TYPES} | UNQUANTIZED
    unreadable = sorted(set(contents.tensor_types.values()) - readable)
    if unreadable:
        raise InvalidInput(
            f"{path.name} holds weights quantized as {', '.join(unreadable)}, which diffusers cannot dequantize "
            f"(it reads {', '.join(sorted(readable))}). Download a Q8_0, Q5_K or Q4_K version of this model."
        )


def unet_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a GGUF SDXL UNet, named as diffusers' converter reads them.

    Published UNet GGUFs name their tensors as the original checkpoint does but without its
    ``model.diffusion_model.`` prefix, which diffusers needs to find the UNet: it is put back here."""
    from diffusers.models.model_loading_utils import load_gguf_checkpoint

    tensors = load_gguf_checkpoint(str(path))
    return {
        ORIGINAL_UNET_PREFIX + name if name.startswith(ORIGINAL_UNET_PARTS) else name: tensor
        for name, tensor in tensors.items()
    }
