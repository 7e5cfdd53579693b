"""The brick contract: a request type, one Gradio-free ``run(workspace, job, request) -> Result``, a tab.

A :class:`Job` carries what one run needs besides its request: the user's session choices,
the cancel flag, where progress goes, and the workflow its outputs record. A :class:`Result`
says what it holds, so a workflow can check that one step's output fits the next step.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qpyt_gradio.bricks.params import Declared, check_request, declared
from qpyt_gradio.errors import NothingWritten

if TYPE_CHECKING:
    from PIL import Image

    from qpyt_gradio.workspace import Workspace

PreviewThunk = Callable[[], "Image.Image"]


class Holds(StrEnum):
    """What a result holds, and what a brick gives."""

    IMAGES = "images"
    SVG = "svg"
    TEXT = "text"


@dataclass(frozen=True)
class Result:
    """A brick's output: saved files (images or an SVG) or a text, and the parameters used."""

    holds: Holds
    parameters: dict[str, Any]
    paths: tuple[Path, ...] = ()
    text: str = ""

    @property
    def notes(self) -> tuple[str, ...]:
        """What the user should know about this result (sizes snapped, images downscaled...)."""
        return tuple(self.parameters.get("notes", ()))


def text_result(parameters: dict[str, Any], text: str, nothing: str) -> Result:
    """A text brick's result; ``nothing`` is the message when the model wrote no text."""
    if not text.strip():
        raise NothingWritten(nothing)
    return Result(Holds.TEXT, parameters, text=text)


class Reporter(Protocol):
    """Receives a job's progress; a preview is computed only if the reporter calls it."""

    def step(self, done: int, total: int, preview: PreviewThunk | None, unit: str = "step") -> None: ...

    def text(self, partial: str) -> None: ...

    def notice(self, text: str) -> None: ...


@dataclass(frozen=True)
class Choices:
    """A user's own choices: kept in their browser session, carried by each of their jobs."""

    live_preview: bool = True
    auto_translate: bool = False
    enhance_model: str = ""


@dataclass(frozen=True)
class Job:
    """What one run needs besides its request.

    ``workflow`` is the document written into every output's metadata (step ``step`` made it),
    so that an output can be loaded back into the page or run again.
    """

    choices: Choices = field(default_factory=Choices)
    cancel: threading.Event = field(default_factory=threading.Event)
    reporter: Reporter | None = None
    workflow: dict[str, Any] | None = None
    step: int = 0

    def step_progress(self, done: int, total: int, preview: PreviewThunk | None, unit: str = "step") -> None:
        r"""Progress of this job in ``unit``\ s (steps, tiles); the preview is passed on only when the user
        wants live previews."""
        if self.reporter is not None:
            self.reporter.step(done, total, preview if self.choices.live_preview else None, unit)

    def partial_text(self, text: str) -> None:
        if self.reporter is not None:
            self.reporter.text(text)

    def notice(self, text: str) -> None:
        """What the job is doing while it shows no progress (a first-time preparation...)."""
        if self.reporter is not None:
            self.reporter.notice(text)

    def recording(self, **params: Any) -> Job:
        """This job with ``params`` changed in the recorded step (e.g. the prompt after translation)."""
        if self.workflow is None:
            return self
        workflow = copy.deepcopy(self.workflow)
        workflow["steps"][self.step]["params"].update(params)
        return replace(self, workflow=workflow)

    def provenance(self) -> dict[str, Any]:
        """What outputs of this job record about the workflow that made them."""
        if self.workflow is None:
            return {}
        return {"workflow": self.workflow, "workflow_step": self.step + 1}


Run = Callable[["Workspace", Job, Any], Result]


@dataclass(frozen=True)
class Brick:
    """One row of the brick table.

    ``name`` is the API endpoint and the workflow's brick name; ``tab`` the page tab that shows
    it; ``text_field`` the field a text from an earlier step flows into (None when none does);
    ``returns_note`` says that the API returns the result's note after its text.
    """

    name: str
    label: str
    summary: str
    request: type
    run: Run
    gives: Holds
    tab: str
    text_field: str | None = None
    returns_note: bool = False

    def execute(self, workspace: Workspace, job: Job, request: Any) -> Result:
        """Check ``request`` against its declaration, then run the brick."""
        return self.run(workspace, job, check_request(request, workspace.limits))

    @property
    def fields(self) -> list[Declared]:
        return declared(self.request)

    @property
    def file_fields(self) -> list[Declared]:
        """The fields that take a file (image, mask); in a workflow they are fed, not set."""
        return [item for item in self.fields if item.param.kind == "file"]

    @property
    def settable_fields(self) -> list[Declared]:
        """The fields a user or a workflow's ``params`` set: all but the files."""
        return [item for item in self.fields if item.param.kind != "file"]

    @property
    def takes_image(self) -> bool:
        return any(item.param.feed == "image" for item in self.file_fields)
