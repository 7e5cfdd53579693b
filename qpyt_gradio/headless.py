"""``python -m qpyt_gradio run FILE --out DIR``: run a workflow without the page.

FILE is a workflow (``.json``, a preset for instance) or an output of this app (``.png``,
``.svg``), whose recorded workflow is run again. Every output is written into DIR; the
parameters used go to standard output as JSON, progress and notes to standard error. The
app's own options (``--demo``, ``--models-dir``, ``--memory``...) apply as when serving.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qpyt_gradio.errors import UserFacingError
from qpyt_gradio.settings import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m qpyt_gradio run",
        description="Run a workflow headless; other options are those of the app (--demo, --models-dir...).",
    )
    parser.add_argument("file", type=Path, help="a workflow .json, or a .png / .svg made by Qpyt-UI")
    parser.add_argument("--out", type=Path, required=True, help="folder that receives every output")
    parser.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="N.PARAM=VALUE",
        help="change a parameter of step N (from 1); VALUE is read as JSON when it can be, e.g. --set 2.scale=3",
    )
    parser.add_argument(
        "--input",
        dest="inputs",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a file the workflow starts from or names (repeat for several)",
    )
    return parser


def apply_changes(document: Any, changes: Sequence[str]) -> Any:
    """``document`` with each ``N.param=value`` of ``changes`` set in step N's params."""
    steps = document.get("steps") if isinstance(document, dict) else None
    for change in changes:
        target, separator, text = change.partition("=")
        number, dot, name = target.partition(".")
        if not (separator and dot and name and number.isdigit()):
            raise UserFacingError(f"--set {change}: write it as N.param=value, e.g. --set 2.scale=3.")
        if (
            not isinstance(steps, list)
            or not 1 <= int(number) <= len(steps)
            or not isinstance(steps[int(number) - 1], dict)
        ):
            count = len(steps) if isinstance(steps, list) else 0
            raise UserFacingError(f"--set {change}: the workflow has {count} step(s); N counts from 1.")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        steps[int(number) - 1].setdefault("params", {})[name] = value
    return document


def main(argv: Sequence[str]) -> int:
    from qpyt_gradio.cli import prepare_environment

    arguments, rest = _parser().parse_known_args(argv)
    try:
        settings = load_settings(rest)
    except SettingsError as problem:
        print(f"qpyt-ui: {problem}", file=sys.stderr)
        return 2
    prepare_environment(settings)
    from qpyt_gradio.bricks.contract import Job
    from qpyt_gradio.workflows.document import read_workflow, upgraded
    from qpyt_gradio.workflows.embedded import workflow_in_file
    from qpyt_gradio.workflows.plan import GivenFiles
    from qpyt_gradio.workflows.runner import run_workflow
    from qpyt_gradio.workspace import Workspace

    workspace = Workspace.from_settings(settings, outputs_dir=arguments.out)

    def announce(number: int, total: int, brick: Any) -> None:
        print(f"step {number}/{total}: {brick.name}", file=sys.stderr, flush=True)

    try:
        for path in (arguments.file, *arguments.inputs):
            if not path.is_file():
                raise UserFacingError(f"{path} is not a file.")
        found = workflow_in_file(arguments.file)
        document = apply_changes(upgraded(found) if isinstance(found, dict) else found, arguments.changes)
        workflow = read_workflow(document, workspace.limits)
        given = GivenFiles([path.resolve() for path in arguments.inputs], root=arguments.file.resolve().parent)
        run = run_workflow(workspace, Job(choices=workspace.default_choices()), workflow, given, announce)
    except UserFacingError as problem:
        print(f"qpyt-ui: {problem}", file=sys.stderr)
        return 1
    for note in run.all_notes:
        print(f"note: {note}", file=sys.stderr)
    print(json.dumps({"files": [str(path) for path in run.files], **run.summary()}, indent=2, ensure_ascii=False))
    return 0
