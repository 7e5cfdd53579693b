"""The workflow being composed in the page: a session state that the Workflow tab shows and every tab
can append to ("Add to workflow").

The draft holds each step's brick, its parameters and its input; the Workflow tab's controls
write their changes into it (so that redrawing the steps keeps them), and Run and Save read the
controls themselves. ``layout`` changes only when steps are added, moved, removed or loaded,
which redraws the steps.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.forms import BrickForm
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.workflows.document import document_of

Draft = dict[str, Any]
EDITS = {"concurrency_id": "workflow-edits", "concurrency_limit": 1, **PRIVATE}
"""Every change of the draft is applied one at a time, so that two quick changes never overwrite each other."""


def new_draft() -> Draft:
    return {"name": "", "description": "", "steps": [], "next_id": 1}


def append_step(draft: Draft | None, brick: str, params: dict[str, Any], source: Any = None) -> Draft:
    """``draft`` with one more step at the end."""
    draft = copy.deepcopy(draft) if draft else new_draft()
    step: dict[str, Any] = {"id": draft["next_id"], "brick": brick, "params": params}
    if source is not None:
        step["input"] = source
    draft["steps"].append(step)
    draft["next_id"] += 1
    return draft


def edited(draft: Draft, step_id: int, name: str, value: Any) -> Draft:
    """``draft`` with ``value`` as parameter ``name`` of step ``step_id`` (``"input"``: its input)."""
    draft = copy.deepcopy(draft)
    for step in draft["steps"]:
        if step["id"] == step_id:
            if name == "input":
                step["input"] = value
            else:
                step["params"][name] = value
    return draft


def moved(draft: Draft, step_id: int, offset: int) -> Draft:
    """``draft`` with step ``step_id`` moved ``offset`` places (within bounds)."""
    draft = copy.deepcopy(draft)
    steps = draft["steps"]
    index = next((position for position, step in enumerate(steps) if step["id"] == step_id), None)
    if index is None:
        return draft
    target = min(max(index + offset, 0), len(steps) - 1)
    steps.insert(target, steps.pop(index))
    return draft


def removed(draft: Draft, step_id: int) -> Draft:
    draft = copy.deepcopy(draft)
    draft["steps"] = [step for step in draft["steps"] if step["id"] != step_id]
    return draft


def from_document(document: dict[str, Any], name: str = "", start: int = 1) -> Draft:
    """A draft showing a workflow document (already checked); step ids count on from ``start``, so
    that the controls of a loaded workflow never take the values of those they replace."""
    draft = new_draft()
    draft["next_id"] = start
    draft["name"] = name or str(document.get("name", ""))
    draft["description"] = str(document.get("description", ""))
    for step in document["steps"]:
        draft = append_step(draft, step["brick"], dict(step.get("params", {})), step.get("input"))
    return draft


def to_document(
    draft: Draft, values: dict[int, dict[str, Any]] | None = None, inputs: dict[int, Any] | None = None
) -> dict[str, Any]:
    """The workflow document of ``draft``, with the current control ``values`` and ``inputs`` of its
    steps (by step id; an input of None is the default route)."""
    values, inputs = values or {}, inputs or {}
    steps = []
    for step in draft["steps"]:
        document: dict[str, Any] = {"brick": step["brick"], "params": {**step["params"], **values.get(step["id"], {})}}
        source = inputs.get(step["id"], step.get("input"))
        if source is not None:
            document["input"] = source
        steps.append(document)
    return document_of(draft.get("name") or "workflow", steps, draft.get("description", ""))


def add_to_workflow_button(parts: PageParts, form: BrickForm, button: gr.Button) -> None:
    """``button`` appends ``form``'s brick with its current values to the session's workflow draft."""
    names = list(form.inputs)
    settable = {item.name for item in form.brick.settable_fields}

    def add(draft: Draft | None, layout: int, *values: Any) -> tuple[Draft, int]:
        request = form.request(dict(zip(names, values, strict=True)))
        params = {name: value for name, value in asdict(request).items() if name in settable}
        updated = append_step(draft, form.brick.name, params)
        gr.Info(f"Added to the workflow as step {len(updated['steps'])}: {BRICKS[form.brick.name].label}.")
        return updated, layout + 1

    button.click(
        add, [parts.draft, parts.draft_layout, *form.inputs.values()], [parts.draft, parts.draft_layout], **EDITS
    )
