"""A tiny ONNX segmentation model for background removal: it marks bright regions as the subject.

It stands in for rembg's models in demo mode and in the tests. Unlike a random network its
answer is predictable — brightness — so a test can check that the alpha of a cut-out really
comes from the model's mask. It is exported from a small torch module with torch's ONNX
exporter and written atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

LUMINANCE = (0.299, 0.587, 0.114)
SHARPNESS = 4.0


class BrightnessSegmenter(torch.nn.Module):
    """One 1×1 convolution computing luminance, then a sigmoid: bright pixels score high."""

    def __init__(self) -> None:
        super().__init__()
        self.luminance = torch.nn.Conv2d(3, 1, kernel_size=1)
        with torch.no_grad():
            self.luminance.weight.copy_(torch.tensor(LUMINANCE).view(1, 3, 1, 1) * SHARPNESS)
            self.luminance.bias.zero_()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.luminance(image))


def write_segmenter(path: Path) -> Path:
    """Export the segmenter to ``path`` (any input size) unless it is there already."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=".onnx", dir=path.parent)
    os.close(handle)
    try:
        torch.onnx.export(
            BrightnessSegmenter().eval(),
            (torch.zeros(1, 3, 64, 64),),
            temporary,
            dynamo=False,
            input_names=["input"],
            output_names=["mask"],
            dynamic_axes={"input": {2: "height", 3: "width"}, "mask": {2: "height", 3: "width"}},
        )
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path
