"""Cancel as the page sees it: a job that sees its flag stops itself and says what it keeps, however far
behind the page reads its progress; one that does not see it (on ZeroGPU) is stopped by the page."""

import pickle
import time

import pytest

from qpyt_gradio.bricks.contract import Choices
from qpyt_gradio.errors import GenerationCancelled
from qpyt_gradio.ui.gpu_jobs import Raised
from qpyt_gradio.ui.running import until_stopped, workflow_events
from qpyt_gradio.ui.streaming import StageEvent, StepEvent
from qpyt_gradio.workflows.document import read_workflow
from qpyt_gradio.workflows.plan import GivenFiles
from qpyt_gradio.workflows.runner import WorkflowCancelled, WorkflowFailed
from qpyt_gradio.workspace import JobFlag


def test_progress_reported_before_cancel_is_dropped_and_the_job_s_own_stop_is_raised():
    flag = JobFlag()
    reported = [StepEvent(done, 9, None) for done in (1, 2, 3)]
    own_stop = WorkflowCancelled("Step 1 (generate): Cancelled after step 3.", ())

    def job():
        yield reported[0]
        flag.set()  # pressed while steps 2 and 3 wait to be read
        yield from reported[1:]
        yield Raised(own_stop)

    seen = []
    with pytest.raises(WorkflowCancelled) as stopped:
        for event in until_stopped(job(), flag):
            seen.append(event)
    assert seen == reported[:1] and stopped.value is own_stop


def test_a_job_that_reports_a_step_made_after_cancel_is_stopped_by_the_page():
    flag = JobFlag()

    def job():
        yield StepEvent(1, 9, None)
        flag.set()
        time.sleep(0.01)
        yield StepEvent(2, 9, None)  # a job that never saw the flag (its process has its own)
        raise AssertionError("the page stops reading here")

    with pytest.raises(GenerationCancelled, match=r"^Cancelled after step 1 of 9\.$"):
        list(until_stopped(job(), flag))


def test_anything_but_progress_after_cancel_stops_the_job_at_once():
    flag = JobFlag()
    flag.set()
    with pytest.raises(GenerationCancelled, match=r"^Cancelled\.$"):
        list(until_stopped(iter([StageEvent(2, 2, "upscale")]), flag))


def test_a_failed_workflow_crosses_a_process_boundary_as_a_failure():
    failed = pickle.loads(pickle.dumps(WorkflowFailed("Step 2 (retouch): no image.", ())))  # as ZeroGPU sends it
    assert type(failed) is WorkflowFailed and str(failed) == "Step 2 (retouch): no image."


def test_cancel_read_late_by_the_page_still_ends_a_workflow_with_its_own_report(workspace):
    workflow = read_workflow(
        {
            "version": 1,
            "name": "long",
            "steps": [
                {"brick": "generate", "params": {"prompt": "a lighthouse", "model": "demo-sdxl", "steps": 40}},
                {"brick": "retouch", "params": {"brightness": 10}},
            ],
        },
        {"max_side": 2048},
    )
    events = workflow_events(workspace, "late-reader", Choices(), workflow, GivenFiles([]))
    next(event for event in events if isinstance(event, StepEvent))
    time.sleep(1.0)  # the page is busy: several steps' progress waits to be read
    assert workspace.jobs.cancel("late-reader") == 1
    with pytest.raises(WorkflowCancelled, match=r"^Step 1 \(generate\): Cancelled after step \d+\.$") as stopped:
        list(events)
    assert stopped.value.kept == ()
    assert not list(workspace.outputs_dir.rglob("*.png")), "the stopped step saved nothing"
