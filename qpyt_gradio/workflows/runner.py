"""The one runner: a workflow's steps through the brick table, for the page, the API, the CLI and MCP.

Before anything runs, the workflow is checked and planned, and every choice left open is
decided: a seed of -1 becomes a number, an empty model the model of the step before (or the
first of the list; in demo mode a hub model becomes the demo model of its family), a given file
its pixel hash. That decided
document is what every output records, so running it again gives the same pixels. A brick run
alone from its tab or its endpoint is a workflow of one step.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result
from qpyt_gradio.bricks.params import check_request
from qpyt_gradio.errors import GenerationCancelled, UserFacingError
from qpyt_gradio.validation import SEED_LIMIT
from qpyt_gradio.workflows.document import Workflow, WorkflowError, document_of
from qpyt_gradio.workflows.plan import GivenFiles, PlannedStep, plan, source_hash

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace

Announce = Callable[[int, int, Brick], None]


@dataclass(frozen=True)
class StepOutcome:
    number: int
    brick: Brick
    result: Result


class WorkflowFailed(UserFacingError):
    """A step failed; the outputs of the steps before it are kept (``kept``)."""

    def __init__(self, message: str, kept: tuple[StepOutcome, ...]) -> None:
        super().__init__(message)
        self.kept = kept

    def __reduce__(self) -> tuple[type[WorkflowFailed], tuple[str, tuple[StepOutcome, ...]]]:
        return WorkflowFailed, (str(self), self.kept)


class WorkflowCancelled(GenerationCancelled):
    """The user stopped the run; the outputs of the finished steps are kept (``kept``)."""

    def __init__(self, message: str, kept: tuple[StepOutcome, ...]) -> None:
        super().__init__(message)
        self.kept = kept

    def __reduce__(self) -> tuple[type[WorkflowCancelled], tuple[str, tuple[StepOutcome, ...]]]:
        return WorkflowCancelled, (str(self), self.kept)


@dataclass(frozen=True)
class WorkflowRun:
    """What a run made: each step's result, and the decided document its outputs record."""

    document: dict[str, Any]
    outcomes: tuple[StepOutcome, ...]
    notes: tuple[str, ...] = ()

    @property
    def all_notes(self) -> list[str]:
        """What the user should know: what the run decided, then each step's notes."""
        return [*self.notes, *(note for outcome in self.outcomes for note in outcome.result.notes)]

    @property
    def files(self) -> list[Path]:
        return [path for outcome in self.outcomes for path in outcome.result.paths]

    def summary(self) -> dict[str, Any]:
        """The parameters used, step by step, with the files and texts made."""
        steps = [outcome_summary(outcome) for outcome in self.outcomes]
        return {"workflow": self.document, "notes": list(self.notes), "steps": steps}


def outcome_summary(outcome: StepOutcome) -> dict[str, Any]:
    result = outcome.result
    summary = {"step": outcome.number, "brick": outcome.brick.name, "holds": result.holds.value, **result.parameters}
    if result.holds is Holds.TEXT:
        summary["text"] = result.text
    return summary


def run_workflow(
    workspace: Workspace, job: Job, workflow: Workflow, given: GivenFiles, announce: Announce | None = None
) -> WorkflowRun:
    """Check, plan and decide ``workflow``, then run its steps; ``announce(number, total, brick)`` before each.

    A failing step raises :class:`WorkflowFailed` naming it, with the earlier outputs kept.
    """
    planned = plan(workflow, given)
    document, notes = decided(workspace, workflow, planned, given)
    outcomes: list[StepOutcome] = []
    for index, step in enumerate(planned):
        number = index + 1
        if job.cancel.is_set():
            raise _stopped(number, step.brick, GenerationCancelled("Cancelled before it started."), tuple(outcomes))
        if announce is not None:
            announce(number, len(planned), step.brick)
        request = step.brick.request(**_values(document["steps"][index]["params"], step, outcomes))
        stopped: Exception | None = None
        try:
            result = step.brick.execute(workspace, replace(job, workflow=document, step=index), request)
        except (UserFacingError, GenerationCancelled) as error:
            stopped = _stopped(number, step.brick, error, tuple(outcomes))
        if stopped is not None:
            # Raised outside the handler, from a new exception: the failed step's frames (and the
            # tensors they hold) are not kept alive by the message.
            raise stopped
        outcomes.append(StepOutcome(number, step.brick, result))
    return WorkflowRun(document, tuple(outcomes), notes)


def _values(params: dict[str, Any], step: PlannedStep, outcomes: list[StepOutcome]) -> dict[str, Any]:
    values = dict(params)
    for route in step.routes:
        if route.path is not None:
            values[route.field] = str(route.path)
            continue
        result = outcomes[route.source.step - 1].result
        values[route.field] = result.text if result.holds is Holds.TEXT else str(result.paths[0])
    return values


def _stopped(number: int, brick: Brick, problem: BaseException, kept: tuple[StepOutcome, ...]) -> Exception:
    files = [path.name for outcome in kept for path in outcome.result.paths]
    keeping = f" The outputs of steps 1–{number - 1} are kept: {', '.join(files)}." if files else ""
    message = f"Step {number} ({brick.name}): {problem}{keeping}"
    if isinstance(problem, GenerationCancelled):
        return WorkflowCancelled(message, kept)
    return WorkflowFailed(message, kept)


def decided(
    workspace: Workspace, workflow: Workflow, planned: list[PlannedStep], given: GivenFiles
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The document outputs record (seeds and models decided, given files by the hash of their
    pixels), and notes on what was decided for the user."""
    steps, notes = [], []
    previous_model = ""
    for index, step in enumerate(planned):
        path = f"steps[{index}].params"
        given_params = step.step.params
        if "model" in {item.name for item in step.brick.fields} and not given_params.get("model"):
            given_params = {**given_params, "model": previous_model}
        params = _decided_params(workspace, step.brick, given_params)
        if "model" in params:
            params["model"] = previous_model = _model_name(
                workspace, f"{path}.model", params["model"], notes, index + 1
            )
        inputs = {}
        for route in step.routes:
            if route.path is not None:
                inputs[route.field] = {"sha256": given.hash_of(route.path)}
            else:
                inputs[route.field] = route.source.step
        steps.append({"brick": step.brick.name, "params": params, "input": inputs})
    return document_of(workflow.name, steps, workflow.description), tuple(notes)


def _decided_params(workspace: Workspace, brick: Brick, given: dict[str, Any]) -> dict[str, Any]:
    """Every settable field of ``brick``: given values, then defaults; a -1 seed and an empty model decided."""
    params = {}
    for item in brick.settable_fields:
        value = copy.deepcopy(given.get(item.name, item.default))
        if item.param.kind == "seed" and value == -1:
            value = secrets.randbelow(SEED_LIMIT)
        elif item.param.kind == "model":
            value = value or workspace.model(value).name
        params[item.name] = value
    return params


def _model_name(workspace: Workspace, path: str, name: str, notes: list[str], number: int) -> str:
    """The model a step runs on; in demo mode a hub model runs as the demo model of its family."""
    try:
        spec = workspace.model(name)
    except UserFacingError as problem:
        raise WorkflowError(path, str(problem)) from None
    if workspace.settings.demo and spec.source == "hub":
        demo = next((each for each in workspace.catalog.specs() if each.demo and each.family == spec.family), None)
        if demo is not None:
            notes.append(f"Demo mode: step {number} runs {spec.name} as {demo.name}.")
            return demo.name
    return spec.name


def run_brick(workspace: Workspace, job: Job, brick: Brick, request: Any) -> Result:
    """One brick as a workflow of one step: its seed and model decided, recorded in its outputs."""
    request = check_request(request, workspace.limits)
    values = asdict(request)
    params = _decided_params(workspace, brick, values)
    inputs = {
        item.name: {"sha256": source_hash(Path(values[item.name]))}
        for item in brick.file_fields
        if values.get(item.name)
    }
    step = {"brick": brick.name, "params": params, "input": inputs}
    document = document_of(brick.name, [step])
    return brick.run(workspace, replace(job, workflow=document, step=0), replace(request, **params))
