"""Workflow documents: the JSON format, its versions, and the checks that name the offending field.

A workflow is ``{"version": 1, "name": ..., "description": ..., "steps": [{"brick": ...,
"params": {...}, "input": ...}]}``. Brick names are the API's endpoint names and ``params`` its
parameter names. ``input`` says where a step's image, mask or text comes from: by default the
previous step's output (see :mod:`qpyt_gradio.workflows.plan`); otherwise a source, or an
object giving one source per field. A source is a step number (counted from 1; 0 is the first
file given with the run), ``{"step": n}``, ``{"file": "name.png"}`` (a file given with the run)
or ``{"sha256": "..."}`` (a given file, by the hash of its pixels, as outputs record it).

Every problem is refused before anything runs, with the JSON path of the field:
``steps[2].params.strength: Strength 1.7 is out of range: use 0.01 to 1.``
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qpyt_gradio.bricks.contract import Brick
from qpyt_gradio.bricks.params import check_value
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.errors import InvalidInput, UserFacingError

VERSION = 1
MAX_DOCUMENT_BYTES = 1024**2
MAX_STEPS = 64
MAX_NAME_CHARS = 64
MAX_DESCRIPTION_CHARS = 500
STEP_KEYS = ("brick", "params", "input")
SOURCE_KEYS = ("step", "file", "sha256")


class WorkflowError(InvalidInput):
    """A workflow that cannot run as written; the message starts with the JSON path of the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path


@dataclass(frozen=True)
class Source:
    """Where a fed field comes from: an earlier step's output, or a file given with the run."""

    step: int | None = None
    file: str | None = None
    sha256: str | None = None

    def to_json(self) -> Any:
        if self.step is not None:
            return self.step
        return {"file": self.file} if self.file is not None else {"sha256": self.sha256}


@dataclass(frozen=True)
class Step:
    """A brick with its checked parameters; ``inputs`` maps fields to sources (None: the default route,
    "" key: one source for the brick's main input)."""

    brick: Brick
    params: dict[str, Any]
    inputs: dict[str, Source] | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"brick": self.brick.name, "params": dict(self.params)}
        if self.inputs is not None:
            if set(self.inputs) == {""}:
                document["input"] = self.inputs[""].to_json()
            else:
                document["input"] = {name: source.to_json() for name, source in self.inputs.items()}
        return document


@dataclass(frozen=True)
class Workflow:
    name: str
    steps: tuple[Step, ...]
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return document_of(self.name, [step.to_json() for step in self.steps], self.description)


def document_of(name: str, steps: list[dict[str, Any]], description: str = "") -> dict[str, Any]:
    """A workflow document of the current version, in JSON's own shapes (lists, not tuples)."""
    document: dict[str, Any] = {"version": VERSION, "name": name}
    if description:
        document["description"] = description
    document["steps"] = steps
    return json.loads(json.dumps(document))


def read_document(path: Path) -> Any:
    """The JSON value of the workflow file ``path``, its size checked before it is read."""
    _check_size(path.stat().st_size)
    return parse_text(path.read_bytes())


def parse_text(text: str | bytes) -> Any:
    """The JSON value of a workflow file; too large or malformed documents are refused."""
    _check_size(len(text.encode() if isinstance(text, str) else text))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise WorkflowError(
            "", f"The workflow is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except UnicodeDecodeError:
        raise WorkflowError("", "The workflow is not a UTF-8 text file.") from None


def read_workflow(document: Any, limits: Mapping[str, float]) -> Workflow:
    """A checked :class:`Workflow` from a parsed document of any known version."""
    if not isinstance(document, dict):
        raise WorkflowError("", f"A workflow is a JSON object, not {_json_kind(document)}.")
    document = upgraded(document)
    name = _text(document, "name", "workflow", MAX_NAME_CHARS)
    description = _text(document, "description", "", MAX_DESCRIPTION_CHARS)
    unknown = sorted(set(document) - {"version", "name", "description", "steps"})
    if unknown:
        raise WorkflowError(unknown[0], "unknown field; a workflow has version, name, description and steps.")
    steps = document.get("steps")
    if steps is None:
        raise WorkflowError("steps", "missing; give the list of steps.")
    if not isinstance(steps, list) or not steps:
        raise WorkflowError("steps", "must be a list of at least one step.")
    if len(steps) > MAX_STEPS:
        raise WorkflowError("steps", f"{len(steps)} steps; a workflow has at most {MAX_STEPS}.")
    return Workflow(name, tuple(_step(index, item, limits) for index, item in enumerate(steps)), description)


def upgraded(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` in the current version. Version 0 is the parameters an output of Qpyt-UI 0.1 carries
    (one brick, no ``version``)."""
    version = document.get("version", 0 if "brick" in document else None)
    if version is None:
        raise WorkflowError("version", f"missing; this app writes version {VERSION}.")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise WorkflowError("version", f"{version!r} is not a version number.")
    if version > VERSION:
        raise WorkflowError("version", f"{version} is newer than this app understands ({VERSION}): update Qpyt-UI.")
    if version == 0:
        return _from_single_output(document)
    return document


def _from_single_output(parameters: dict[str, Any]) -> dict[str, Any]:
    """A version-1 document from the parameters of a 0.1 output: its one brick, its source by hash."""
    brick = BRICKS.get(str(parameters.get("brick")))
    if brick is None:
        raise WorkflowError("brick", f"{parameters.get('brick')!r} is not a brick this app knows.")
    renamed = {"model": "background_model"} if brick.name == "remove_background" else {}
    values = {renamed.get(key, key): value for key, value in parameters.items()}
    settable = [item.name for item in brick.settable_fields]
    step: dict[str, Any] = {"brick": brick.name, "params": {key: values[key] for key in settable if key in values}}
    if brick.takes_image and "source_sha256" in parameters:
        step["input"] = {"sha256": parameters["source_sha256"]}
    return document_of(brick.name, [step])


def _text(document: dict[str, Any], key: str, default: str, limit: int) -> str:
    value = document.get(key, default)
    if not isinstance(value, str):
        raise WorkflowError(key, f"must be a text, not {_json_kind(value)}.")
    if len(value) > limit:
        raise WorkflowError(key, f"{len(value)} characters; at most {limit}.")
    return value


def _step(index: int, item: Any, limits: Mapping[str, float]) -> Step:
    path = f"steps[{index}]"
    if not isinstance(item, dict):
        raise WorkflowError(path, f"a step is a JSON object, not {_json_kind(item)}.")
    unknown = sorted(set(item) - set(STEP_KEYS))
    if unknown:
        raise WorkflowError(f"{path}.{unknown[0]}", "unknown field; a step has brick, params and input.")
    if "brick" not in item:
        raise WorkflowError(f"{path}.brick", "missing; name the brick this step runs.")
    brick = BRICKS.get(item["brick"]) if isinstance(item["brick"], str) else None
    if brick is None:
        raise WorkflowError(f"{path}.brick", f"unknown brick {item['brick']!r}; use one of {', '.join(BRICKS)}.")
    values = item.get("params", {})
    if not isinstance(values, dict):
        raise WorkflowError(f"{path}.params", f"must be a JSON object, not {_json_kind(values)}.")
    inputs = _inputs(f"{path}.input", item["input"], brick) if "input" in item else None
    return Step(brick, _params(f"{path}.params", values, brick, limits), inputs)


def _params(path: str, values: dict[str, Any], brick: Brick, limits: Mapping[str, float]) -> dict[str, Any]:
    declared = {item.name: item for item in brick.fields}
    checked = {}
    for name, value in values.items():
        item = declared.get(name)
        if item is None:
            settable = ", ".join(each.name for each in brick.settable_fields)
            raise WorkflowError(f"{path}.{name}", f"{brick.name} has no parameter {name!r}; use {settable}.")
        if item.param.kind == "file":
            raise WorkflowError(f"{path}.{name}", "files come from the step's input (an earlier step or a given file).")
        try:
            checked[name] = check_value(item.param, value, limits, fed=name == brick.text_field)
        except UserFacingError as problem:
            raise WorkflowError(f"{path}.{name}", str(problem)) from None
    return checked


def _inputs(path: str, value: Any, brick: Brick) -> dict[str, Source]:
    if isinstance(value, dict) and value and set(value) <= set(SOURCE_KEYS):
        return {"": _source(path, value)}
    if not isinstance(value, dict):
        return {"": _source(path, value)}
    fed = [item.name for item in brick.file_fields] + ([brick.text_field] if brick.text_field else [])
    for name in value:
        if name not in fed:
            takes = ", ".join(fed) or "nothing"
            raise WorkflowError(f"{path}.{name}", f"{brick.name} takes no input {name!r}; it takes {takes}.")
    return {name: _source(f"{path}.{name}", source) for name, source in value.items()}


def _source(path: str, value: Any) -> Source:
    if isinstance(value, int) and not isinstance(value, bool):
        return _step_source(path, value)
    if not isinstance(value, dict) or len(value) != 1 or not set(value) <= set(SOURCE_KEYS):
        raise WorkflowError(
            path,
            f'{json.dumps(value)[:60]} is not a source: use a step number, {{"file": name}} or {{"sha256": hash}}.',
        )
    key, given = next(iter(value.items()))
    if key == "step":
        if not isinstance(given, int) or isinstance(given, bool):
            raise WorkflowError(f"{path}.step", f"{given!r} is not a step number.")
        return _step_source(f"{path}.step", given)
    if not isinstance(given, str) or not given:
        raise WorkflowError(f"{path}.{key}", f"{given!r} is not a {'file name' if key == 'file' else 'hash'}.")
    return Source(file=given) if key == "file" else Source(sha256=given.lower())


def _step_source(path: str, number: int) -> Source:
    if number < 0:
        raise WorkflowError(path, f"{number} is not a step number (steps count from 1; 0 is the given file).")
    return Source(step=number)


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a text", bool: "true or false", type(None): "null"}
    return kinds.get(type(value), "a number")


def _check_size(size: int) -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise WorkflowError(
            "", f"The workflow is {size / 1024**2:.1f} MB; the largest accepted is {MAX_DOCUMENT_BYTES // 1024**2} MB."
        )
