"""A job's GPU part: the only code that runs under ``spaces.GPU``.

On ZeroGPU a ``spaces.GPU`` call runs in a process forked from the app's, which receives its
arguments and sends back what it yields by pickling, and reports any exception other than
Gradio's own as a bare "ZeroGPU worker error". So the page keeps in the app's process what
must stay there (the session's place on the fair lane, the cancel flag that Cancel and the time
limit set, the panels) and hands this part only the workspace, a cancel flag, the session's
choices and the request. A workspace pickles as its key (the forked process holds the same
one), a cancel flag as a new one (Cancel reaches the other process when the page closes the
generator), and an error the user can act on comes back as a :class:`Raised` event. Off
ZeroGPU these are plain generators in the app's process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qpyt_gradio.bricks.contract import Brick, Choices, Job
from qpyt_gradio.errors import GenerationCancelled, UserFacingError
from qpyt_gradio.spaces_gpu import on_gpu
from qpyt_gradio.ui.streaming import BackgroundJob, QueueReporter, StageEvent

if TYPE_CHECKING:
    from qpyt_gradio.workflows.document import Workflow
    from qpyt_gradio.workflows.plan import GivenFiles
    from qpyt_gradio.workspace import JobFlag, Workspace


@dataclass(frozen=True)
class Raised:
    """An error the user can act on (or a stop), raised by the job: the page raises it again."""

    error: Exception


@on_gpu
def brick_events(
    workspace: Workspace, cancel: JobFlag, choices: Choices, brick: Brick, request: Any
) -> Iterator[object]:
    """Run ``brick`` on ``request``: its progress events, then its result (or :class:`Raised`)."""
    from qpyt_gradio.workflows.runner import run_brick

    def work(emit: Callable[[object], None]) -> Any:
        return run_brick(workspace, Job(choices, cancel, QueueReporter(emit)), brick, request)

    yield from _events(work, cancel)


@on_gpu
def workflow_events(
    workspace: Workspace, cancel: JobFlag, choices: Choices, workflow: Workflow, given: GivenFiles
) -> Iterator[object]:
    """Run ``workflow``: each step's start (a :class:`StageEvent`) and its progress events, then the
    :class:`~qpyt_gradio.workflows.runner.WorkflowRun` (or :class:`Raised`)."""
    from qpyt_gradio.workflows.runner import run_workflow

    def work(emit: Callable[[object], None]) -> Any:
        def announce(number: int, total: int, brick: Brick) -> None:
            emit(StageEvent(number, total, brick.name))

        return run_workflow(workspace, Job(choices, cancel, QueueReporter(emit)), workflow, given, announce)

    yield from _events(work, cancel)


def _events(work: Callable[[Callable[[object], None]], Any], cancel: JobFlag) -> Iterator[object]:
    running = BackgroundJob(work, cancel)
    try:
        yield from running.events()
    except (UserFacingError, GenerationCancelled) as error:
        yield Raised(error.with_traceback(None))  # its frames would keep the job's tensors alive
        return
    yield running.result
