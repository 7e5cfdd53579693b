"""``gradio app.py [-- flags]``: the page served with Gradio's hot reload, for development.

Gradio runs app.py at start, then again in the same namespace after each edit of a watched file,
having dropped every module loaded from the watched folders; what app.py makes under
``gr.NO_RELOAD`` runs once. There app.py makes the workspace, with its catalog and its registry (so
the models the registry loads stay loaded), and notes the modules they are made of: put back before
the page is built again, they keep one class per error, enum and spec on both sides of the page.
An edit to one of them takes a restart; the log says so.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from qpyt_gradio.cli import startup_settings
from qpyt_gradio.settings import Settings, SettingsError

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

log = logging.getLogger(__name__)
PACKAGE = __name__.partition(".")[0]


def development_settings(argv: Sequence[str]) -> Settings:
    """The settings of ``python app.py [flags]`` (flags, then ``QPYT_*`` variables), the environment
    prepared before Gradio is imported; the process stops with the message if they cannot work."""
    try:
        return startup_settings(argv)
    except SettingsError as problem:
        print(f"qpyt-ui: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def resident_workspace(settings: Settings) -> Workspace:
    """The workspace that outlives the page, its registry made now: the modules of both are then loaded,
    to be kept, and the models the registry loads stay loaded."""
    from qpyt_gradio.workspace import Workspace

    workspace = Workspace.from_settings(settings)
    _ = workspace.registry
    return workspace


def loaded_modules() -> dict[str, ModuleType]:
    """The app's modules loaded so far, by name."""
    return {name: module for name, module in sys.modules.items() if name.partition(".")[0] == PACKAGE}


def report_kept_edits(modules: Mapping[str, ModuleType], since: float) -> list[Path]:
    """The files of ``modules`` edited after ``since`` (a time stamp), each named in a warning:
    those modules stay as they were loaded until a restart."""
    files = (Path(file) for module in modules.values() if (file := getattr(module, "__file__", None)))
    edited = sorted(path for path in files if path.is_file() and path.stat().st_mtime > since)
    for path in edited:
        log.warning("%s was edited: the workspace is made of it, so the edit counts after a restart.", path)
    return edited
