"""Hugging Face Spaces: the GPU part of a job goes through ``spaces.GPU``, a no-op off ZeroGPU. On ZeroGPU
that part runs in a forked process that gets its arguments and sends back its events by pickling; the
tests below send both through ``pickle`` as ZeroGPU does."""

import pickle
import sys
import threading

import spaces  # noqa: F401  (the real package must be importable for the first test)

from qpyt_gradio.bricks.contract import Choices, Result
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.errors import UserFacingError
from qpyt_gradio.spaces_gpu import on_gpu
from qpyt_gradio.ui.gpu_jobs import Raised, brick_events
from qpyt_gradio.ui.streaming import StepEvent
from qpyt_gradio.workspace import JobFlag


def handler():
    yield "image"


def test_off_zero_gpu_the_real_decorator_leaves_the_handler_as_it_is():
    assert on_gpu(handler) is handler


def test_without_the_spaces_package_the_handler_is_unchanged(monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)
    assert on_gpu(handler) is handler


def across_processes(value):
    return pickle.loads(pickle.dumps(value))


def gpu_events(workspace, brick_name, **values):
    """``brick_events`` as ZeroGPU calls it: arguments and every event pickled."""
    brick = BRICKS[brick_name]
    arguments = across_processes((workspace, JobFlag(), Choices(), brick, brick.request(**values)))
    return (across_processes(event) for event in brick_events(*arguments))


def test_a_job_s_arguments_and_events_cross_a_process_boundary(workspace):
    events = list(gpu_events(workspace, "generate", prompt="a cat", model="demo-sdxl", width=64, height=64, steps=3))
    assert [event.done for event in events if isinstance(event, StepEvent)] == [1, 2, 3]
    result = events[-1]
    assert isinstance(result, Result) and result.paths[0].is_file()


def test_the_workspace_crosses_as_itself_and_a_cancel_flag_as_a_new_one(workspace):
    flag = JobFlag()
    flag.set()
    assert across_processes(workspace) is workspace
    assert not across_processes(flag).is_set()


def test_an_error_the_user_can_act_on_comes_back_with_its_message(workspace):
    events = list(gpu_events(workspace, "generate", prompt="a cat", model="no-such-model", width=64, height=64))
    assert len(events) == 1 and isinstance(events[0], Raised)
    assert isinstance(events[0].error, UserFacingError) and "no-such-model" in str(events[0].error)


def test_closing_the_generator_stops_the_job_in_the_other_process(workspace):
    events = gpu_events(workspace, "generate", prompt="a cat", model="demo-sdxl", width=64, height=64, steps=50)
    first = next(event for event in events if isinstance(event, StepEvent))
    events.close()  # what ZeroGPU does when the page stops iterating: the job stops after its current step
    assert first.done == 1
    assert not [thread for thread in threading.enumerate() if thread.name == "qpyt-job"]
    assert not list(workspace.outputs_dir.rglob("*.png")), "the stopped job saved nothing"
