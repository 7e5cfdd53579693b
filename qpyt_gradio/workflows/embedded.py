"""Workflows read back from files: a workflow's JSON, or the workflow an output of this app records.

A PNG output holds it in its ``qpyt`` text chunk, an SVG in its ``<metadata>`` element; outputs of
Qpyt-UI 0.1 hold only their own parameters, which are upgraded to a one-step workflow.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from PIL import UnidentifiedImageError

from qpyt_gradio.metadata import read_parameters
from qpyt_gradio.workflows.document import MAX_DOCUMENT_BYTES, WorkflowError, read_document

SVG_METADATA = re.compile(r'<metadata id="qpyt-parameters">(.*?)</metadata>', re.DOTALL)


def workflow_in_file(path: Path) -> Any:
    """The workflow document a ``.json`` file holds, or that a ``.png`` / ``.svg`` output records."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_document(path)
    if suffix == ".svg":
        return _recorded(svg_parameters(path), path.name)
    try:
        parameters = read_parameters(path)
    except (UnidentifiedImageError, OSError):
        raise WorkflowError("", f"{path.name} is neither a workflow (.json) nor an image this app can read.") from None
    return _recorded(parameters, path.name)


def svg_parameters(path: Path) -> dict[str, Any]:
    """The parameters an SVG output records in its ``<metadata>`` element, or an empty dict."""
    if path.stat().st_size > 64 * MAX_DOCUMENT_BYTES:
        raise WorkflowError("", f"{path.name} is too large to read a workflow from.")
    found = SVG_METADATA.search(path.read_text(encoding="utf-8", errors="replace"))
    if found is None:
        return {}
    try:
        value = json.loads(html.unescape(found.group(1)))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _recorded(parameters: dict[str, Any], name: str) -> Any:
    if isinstance(parameters.get("workflow"), dict):
        return parameters["workflow"]
    if "brick" in parameters:
        return parameters
    raise WorkflowError(
        "",
        f"{name} carries no workflow: it was not made by Qpyt-UI (for an AUTOMATIC1111 image, use "
        "“Load parameters from an image” in Generate).",
    )
