"""Vectorization to SVG with vtracer: presets, pre-steps, and caps that keep photos from exploding.

A photo traced at full resolution can give a file of hundreds of megabytes. Before the real
trace of a large image, full-resolution samples are traced and the result scaled by area gives
an estimate: above a few megabytes the user gets the estimate and advice instead of the file,
unless they insist (a small image is traced at once and judged on its real size). The trace runs
in a child process with a time limit, and an SVG above the hard cap is refused.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from PIL import Image

from qpyt_gradio.bricks.contract import Holds, Job, Result
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.generation.results import image_hash
from qpyt_gradio.helpers.kinds import BACKGROUND_MODELS
from qpyt_gradio.images import open_rgb
from qpyt_gradio.metadata import APP_VERSION
from qpyt_gradio.outputs import save_output

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

WORKER = Path(__file__).with_name("vectorize_worker.py")
WARN_BYTES = 5 * 1024**2
MAX_BYTES = 40 * 1024**2
TIME_LIMIT_S = 60.0
SAMPLE_CROP = 160
SVG_FRAME_BYTES = 320
MAX_SIDE = 4096
ADVICE = (
    "Try the photo preset, downscale to 512 px, reduce to 16 colours, raise the speckle filter, "
    "or remove the background first."
)


@dataclass(frozen=True)
class Tracing:
    """vtracer's main controls (see its documentation for the meaning of each)."""

    colormode: str = "color"
    filter_speckle: int = 4
    color_precision: int = 6
    layer_difference: int = 16
    corner_threshold: int = 60
    mode: str = "spline"


PRESETS = {
    "logo": Tracing(filter_speckle=8, color_precision=4, layer_difference=32, corner_threshold=60),
    "illustration": Tracing(),
    "photo": Tracing(filter_speckle=16, color_precision=5, layer_difference=48, corner_threshold=120),
}


@dataclass(frozen=True)
class PreSteps:
    """What to do to the image before tracing: cut the background, reduce colours, downscale."""

    remove_background: bool = False
    colors: int = 0
    max_side: int = 0


def vtracer_options(tracing: Tracing) -> dict[str, Any]:
    return {**asdict(tracing), "hierarchical": "stacked", "length_threshold": 4.0, "path_precision": 3}


def prepared_image(image: Image.Image, steps: PreSteps) -> tuple[Image.Image, list[str]]:
    """The image after the downscale and colour reduction pre-steps, and what was done."""
    notes = []
    side = steps.max_side
    if side and max(image.size) > side:
        before = image.size
        image = image.copy()
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        notes.append(f"Downscaled from {before[0]}×{before[1]} to {image.width}×{image.height} before tracing.")
    if steps.colors:
        rgb = image.convert("RGB").quantize(steps.colors, method=Image.Quantize.MEDIANCUT).convert("RGB")
        if image.mode == "RGBA":
            rgb.putalpha(image.getchannel("A"))
        image = rgb
    return image, notes


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def run_trace(image: Image.Image, tracing: Tracing, time_limit: float = TIME_LIMIT_S) -> str:
    """The SVG of ``image``, traced in a child process that is stopped after ``time_limit`` seconds."""
    command = [sys.executable, str(WORKER), json.dumps(vtracer_options(tracing))]
    try:
        done = subprocess.run(command, input=_png(image), capture_output=True, timeout=time_limit, check=False)
    except subprocess.TimeoutExpired:
        raise InvalidInput(f"Vectorizing took more than {time_limit:g} s and was stopped. {ADVICE}") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no answer"]
        raise InvalidInput(f"The image could not be vectorized ({reason[0]}).")
    return done.stdout.decode()


def sample_mosaic(image: Image.Image, crop: int = SAMPLE_CROP) -> Image.Image:
    """Four ``crop``-px crops at full resolution, from the middle of each quarter, as one 2×2 image."""
    mosaic = Image.new(image.mode, (2 * crop, 2 * crop))
    for row in range(2):
        for column in range(2):
            left = (2 * column + 1) * image.width // 4 - crop // 2
            top = (2 * row + 1) * image.height // 4 - crop // 2
            mosaic.paste(image.crop((left, top, left + crop, top + crop)), (column * crop, row * crop))
    return mosaic


def estimate_bytes(image: Image.Image, tracing: Tracing) -> int:
    """Size of the full SVG of an image over four crops a side, extrapolated by area from a trace of
    full-resolution samples.

    Crops keep the scale of the detail, so the speckle filter drops what it will drop in the
    full trace (a downscaled copy would smooth grain away, or keep it, and mislead).
    """
    mosaic = sample_mosaic(image)
    drawn = len(run_trace(mosaic, tracing).encode()) - SVG_FRAME_BYTES
    return SVG_FRAME_BYTES + round(max(drawn, 0) * (image.width * image.height) / (mosaic.width * mosaic.height))


def capped_trace(image: Image.Image, tracing: Tracing, force: bool, time_limit: float) -> str:
    """The SVG of ``image``; refused above the warning size unless ``force``, and above the hard cap.

    A large image is judged on the estimate, before the long trace; a small one (up to four
    sample crops a side) is traced at once, and judged on its real size.
    """
    small = min(image.size) <= 4 * SAMPLE_CROP
    if not (small or force):
        _refuse_above_warning(estimate_bytes(image, tracing))
    svg = run_trace(image, tracing, time_limit)
    size = len(svg.encode())
    if small and not force:
        _refuse_above_warning(size)
    if size > MAX_BYTES:
        raise InvalidInput(
            f"The SVG would be {size / 1024**2:.0f} MB, above the {MAX_BYTES // 1024**2} MB cap. {ADVICE}"
        )
    return svg


def _refuse_above_warning(size: int) -> None:
    if size > WARN_BYTES:
        raise InvalidInput(
            f"This would make an SVG of about {size / 1024**2:.0f} MB. {ADVICE} "
            "Or tick “Vectorize anyway” to produce it."
        )


def with_metadata(svg: str, parameters: dict[str, Any]) -> str:
    """``svg`` with its parameters as JSON in a ``<metadata>`` element after the opening tag."""
    element = f'<metadata id="qpyt-parameters">{escape(json.dumps(parameters, sort_keys=True))}</metadata>'
    opening = re.search(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise InvalidInput("The vectorizer returned no SVG.")
    return svg[: opening.end()] + "\n" + element + svg[opening.end() :]


def svg_statistics(svg: str) -> dict[str, int]:
    """Path count, distinct fill colours and size in bytes."""
    return {
        "paths": svg.count("<path"),
        "colors": len(set(re.findall(r'fill="(#[0-9A-Fa-f]{6})"', svg))),
        "bytes": len(svg.encode()),
    }


def tracing_for(request: Any) -> Tracing:
    """The preset's controls, with those the request gives in their place."""
    given = {name: getattr(request, name) for name in Tracing.__dataclass_fields__}
    return replace(PRESETS[request.preset], **{name: value for name, value in given.items() if value is not None})


def vectorize(workspace: Workspace, job: Job, request: Any) -> Result:
    """Trace the request's image into an SVG saved with its parameters (and its workflow, in metadata)."""
    tracing = tracing_for(request)
    steps = PreSteps(request.remove_background, request.colors, request.max_side)
    image, notes = open_rgb(request.image, "vectorize", MAX_SIDE)
    source_hash = image_hash(image)
    if steps.remove_background:
        from qpyt_gradio.finishing.background import compose, cut_out

        image = compose(cut_out(workspace.registry, job, request.image, BACKGROUND_MODELS[0], False), "transparent")
        notes.append("The background was removed before tracing.")
    image, step_notes = prepared_image(image, steps)
    notes += step_notes
    svg = capped_trace(image, tracing, request.force, TIME_LIMIT_S)
    parameters = {
        "brick": "vectorize",
        "preset": request.preset,
        **asdict(tracing),
        **asdict(steps),
        "source_sha256": source_hash,
        "width": image.width,
        "height": image.height,
        "app": APP_VERSION,
    }
    document = with_metadata(svg, {**parameters, **job.provenance()})
    path = save_output(lambda stream: stream.write(document.encode()), workspace.output_folder(), "vector", "svg")
    statistics = svg_statistics(document)
    used = {**parameters, **statistics, "notes": notes, "files": [path.name]}
    return Result(Holds.SVG, used, (path,))
