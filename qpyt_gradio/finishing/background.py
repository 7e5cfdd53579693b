"""Background removal with rembg: sessions are registry helpers, models live under ``REMBG_HOME``.

rembg finds a model at ``$REMBG_HOME/models/<name>/<name>.onnx`` and downloads it there when
it is missing. The app points ``REMBG_HOME`` at a folder of its models directory, so a user
without network can drop the file in place; the message says which file, and where.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.errors import InvalidInput, ModelUnavailable
from qpyt_gradio.generation.results import image_hash, save_image
from qpyt_gradio.helpers.kinds import BACKGROUND_MODELS
from qpyt_gradio.images import alpha_of, open_rgb
from qpyt_gradio.metadata import APP_VERSION
from qpyt_gradio.models.registry import HelperSpec, Registry

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

MAX_SIDE = 4096
RELEASES = "https://github.com/danielgatis/rembg/releases"
FIRST_IMPORT = "preparing background removal: its very first use compiles rembg's code (1 to 2 minutes, once)"
_IMPORTED = threading.Event()


def import_rembg() -> ModuleType:
    """rembg, imported once per process; its very first import on a machine compiles its numba code (a
    minute or two), which the app does in the background at start (:func:`qpyt_gradio.cli.warm_up`)."""
    import rembg

    _IMPORTED.set()
    return rembg


def rembg_ready() -> bool:
    """Whether rembg is imported (a job using it starts without the first import's wait)."""
    return _IMPORTED.is_set()


@dataclass
class LoadedSession:
    """An onnxruntime session of rembg and the model file it came from."""

    session: Any
    model_file: Path

    def resident_bytes(self) -> int:
        return self.model_file.stat().st_size

    def placement(self) -> str:
        return "onnxruntime · " + ", ".join(self.session.inner_session.get_providers())


def helper_kind(model: str) -> str:
    return f"background:{model}"


def model_file(home: Path, model: str) -> Path:
    return home / "models" / model / f"{model}.onnx"


def load_session(model: str, home: Path, demo: bool) -> LoadedSession:
    """A rembg session for ``model``, on the GPU provider when onnxruntime has one."""
    import onnxruntime

    rembg = import_rembg()
    onnxruntime.disable_telemetry_events()  # its Windows builds report usage events unless told not to
    path = model_file(home, model)
    if demo:
        from qpyt_gradio.demo.segmenter import write_segmenter  # torch's exporter: demo mode only

        write_segmenter(path)
    os.environ["REMBG_HOME"] = str(home)
    providers = [name for name in ("CUDAExecutionProvider",) if name in onnxruntime.get_available_providers()]
    try:
        session = rembg.new_session(model, providers=[*providers, "CPUExecutionProvider"])
    except Exception as problem:  # the download failed, or the file is not a model
        raise ModelUnavailable(
            f"The background model {model} could not be loaded ({type(problem).__name__}). Put {path.name} in "
            f"{path.parent} (from {RELEASES}), or connect once so that it downloads there."
        ) from None
    return LoadedSession(session, path)


def background_specs(home: Path, demo: bool) -> list[HelperSpec]:
    """One registry helper per offered model, each loaded on first use."""
    return [
        HelperSpec(helper_kind(model), f"rembg · {model}", lambda model=model: load_session(model, home, demo))
        for model in BACKGROUND_MODELS
    ]


def parse_color(value: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``rgb(r, g, b)`` as the colour picker may send) as a tuple."""
    text = (value or "").strip()
    if re.fullmatch(r"#?[0-9a-fA-F]{6}", text):
        text = text.lstrip("#")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    numbers = re.fullmatch(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*[\d.]+\s*)?\)", text)
    if numbers:
        return tuple(min(255, round(float(part))) for part in numbers.groups())  # type: ignore[return-value]
    raise InvalidInput(f"Colour {value!r} is not of the form #rrggbb.")


@dataclass(frozen=True)
class Cutout:
    """The subject's alpha (255 = subject), the image it was cut from, and notes for the user."""

    image: Image.Image
    alpha: Image.Image
    notes: tuple[str, ...]


def cut_out(registry: Registry, job: Job, image_path: str | Path | None, model: str, alpha_matting: bool) -> Cutout:
    """The subject of the image at ``image_path`` as an alpha mask, from rembg's ``model`` (one of
    :data:`BACKGROUND_MODELS`); ``job`` is told when rembg's first import is still to wait for."""
    image, notes = open_rgb(image_path, "cut out", MAX_SIDE)
    existing = alpha_of(image_path)
    if _is_flat(image):
        if existing is None:
            raise InvalidInput(
                f"The image ({image.width}×{image.height}) is one flat colour: there is no subject to cut out. "
                "Choose an image with a subject on a background."
            )
        notes.append("The image is one flat colour: its own alpha was kept as the cut-out.")
        return Cutout(image, existing.resize(image.size), tuple(notes))
    if not rembg_ready():
        job.notice(FIRST_IMPORT)
    rembg = import_rembg()
    with registry.helper(helper_kind(model)) as loaded:
        cut = rembg.remove(image, session=loaded.session, alpha_matting=bool(alpha_matting))
    alpha = cut.getchannel("A")
    if existing is not None:
        existing = existing.resize(alpha.size)
        alpha = Image.fromarray((np.asarray(alpha, np.uint16) * np.asarray(existing) // 255).astype(np.uint8))
        notes.append("The image was already transparent: its own alpha was kept where the subject is.")
    return Cutout(image, alpha, tuple(notes))


def _is_flat(image: Image.Image) -> bool:
    """True when every pixel has the same colour (rembg's mask is undefined then: it divides by zero)."""
    return all(low == high for low, high in image.getextrema())


def compose(cutout: Cutout, output: str, color: str = "#ffffff") -> Image.Image:
    """The result a user asked for (transparent, mask or color): subject on transparency, the mask alone,
    or subject on a colour."""
    if output == "mask":
        return cutout.alpha
    if output == "transparent":
        subject = cutout.image.convert("RGBA")
        subject.putalpha(cutout.alpha)
        return subject
    background = Image.new("RGB", cutout.image.size, parse_color(color))
    return Image.composite(cutout.image, background, cutout.alpha)


def remove_background(workspace: Workspace, job: Job, request: Any) -> Result:
    """Cut the subject out and save what was asked: transparent PNG, mask, or subject on a colour."""
    if request.output == "color":
        parse_color(request.color)
    cutout = cut_out(workspace.registry, job, request.image, request.background_model, request.alpha_matting)
    parameters = {
        "brick": "remove_background",
        "background_model": request.background_model,
        "output": request.output,
        "color": request.color if request.output == "color" else None,
        "alpha_matting": request.alpha_matting,
        "source_sha256": image_hash(cutout.image),
        "width": cutout.image.width,
        "height": cutout.image.height,
        "app": APP_VERSION,
    }
    image = compose(cutout, request.output, request.color)
    return save_image(workspace, job, image, parameters, f"cutout-{request.output}", cutout.notes)
