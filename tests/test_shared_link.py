"""The app as on a shared link (a cost budget, a time limit), used by several API clients.

Every brick of the table is driven through the API with generated values of every type: each call ends in a
result or in a message that names a field, never in a bare error, and the app serves afterwards (a new brick
is covered by its row in the brick table alone; the budget refuses a generated request that would hold the
lane for minutes). Two clients share the GPU lane fairly, and one client cannot fill it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import serving
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from qpyt_gradio.bricks.params import Declared
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.demo.models import DEMO_LORAS
from qpyt_gradio.validation import MAX_PROMPT_CHARS

LIMITS = {"max_side": 2048}
MODELS = ("demo-sdxl", "demo-flux", "demo-sd3")
STYLES = ("Natural Light Portrait", "Flat Vector Logo")
BARE_ERRORS = ("", "Error", "None")
"""What a client reads when the server raised an error nobody explained."""


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path, demo_models: dict):
    """The demo app with the limits of a shared link, small enough for a CPU: 3 megapixel-steps, 60 s."""
    with serving(tmp_path_factory.mktemp("shared"), cache_dir, "--max-cost", "3", "--max-job-seconds", "60") as app:
        yield app


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Files a client may send: a photo, a mask, a truncated PNG, a text named .png, an SVG."""
    folder = tmp_path_factory.mktemp("uploads")
    Image.new("RGB", (48, 40), (200, 90, 40)).save(folder / "photo.png")
    mask = Image.new("L", (48, 40), 0)
    mask.paste(255, (12, 10, 36, 30))
    mask.save(folder / "mask.png")
    (folder / "truncated.png").write_bytes((folder / "photo.png").read_bytes()[:60])
    (folder / "notes.png").write_text("not an image")
    (folder / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return {path.stem: str(path) for path in folder.iterdir()}


def any_value() -> st.SearchStrategy[Any]:
    """A JSON value of any type, with the numbers and texts that break careless code."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(
            ["true", "false", "", " ", "nan", "NaN", "inf", "-Infinity", "1e999", "9" * 400, "inf:1", "0x10"]
        ),
        st.integers(min_value=-(10**400), max_value=10**400),
        st.floats(allow_nan=False, allow_infinity=False),  # JSON has neither: they come as texts
        st.text(max_size=30),
        st.just("x" * (MAX_PROMPT_CHARS + 1)),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=2),
        max_leaves=6,
    )


def fitting_value(item: Declared, files: dict[str, str]) -> st.SearchStrategy[Any]:
    """A value of the field's own kind, mostly in its range, often near its low end (a job that fits the
    budget), sometimes just outside."""
    param = item.param
    kind = param.kind
    if kind in ("whole", "seed", "number"):
        low, high = param.bounds(LIMITS)
        near_low = low + (high - low) / 32
        if kind == "number":
            return st.floats(low, near_low) | st.floats(low - 0.5, high + 0.5)
        return st.integers(int(low), int(near_low)) | st.integers(int(low) - 1, int(high) + 1)
    if kind == "flag":
        return st.booleans()
    if kind == "choice":
        return st.sampled_from(param.choices)
    if kind == "model":
        return st.sampled_from(MODELS)
    if kind == "loras":
        weights = st.floats(-2, 2).map(lambda weight: round(weight, 2))
        return st.lists(st.tuples(st.sampled_from([lora.name for lora in DEMO_LORAS]), weights).map(list), max_size=2)
    if kind == "styles":
        return st.lists(st.sampled_from(STYLES), max_size=2)
    if kind == "file":
        return st.just(handle_file(files["mask" if param.feed == "mask" else "photo"]))
    return st.text(min_size=1 if param.required else 0, max_size=60)


def any_field_value(item: Declared, files: dict[str, str]) -> st.SearchStrategy[Any]:
    """Anything a client could send in the field, its own kind included."""
    if item.param.kind == "file":
        return st.sampled_from(["truncated", "notes", "drawing"]).map(lambda name: handle_file(files[name]))
    return st.one_of(fitting_value(item, files), any_value())


def requests_of(fields: list[Declared], files: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """Requests of two sorts: every required field and some others of their own kind (most end in a result),
    or any values in any of the fields (most end in a message); fields not sent keep their defaults."""
    needed = [item for item in fields if item.param.required or item.param.kind == "file"]
    fitting = st.fixed_dictionaries(
        {item.name: fitting_value(item, files) for item in needed},
        optional={item.name: fitting_value(item, files) for item in fields if item not in needed},
    )
    anything = st.fixed_dictionaries({}, optional={item.name: any_field_value(item, files) for item in fields})
    return fitting | anything


def names_a_field(message: str, fields: list[Declared]) -> bool:
    lowered = message.lower()
    return any(word.lower() in lowered for item in fields for word in (item.param.label, item.name))


def check_answer(client: Client, brick_name: str, request: dict[str, Any]) -> None:
    fields = BRICKS[brick_name].fields
    try:
        outputs = client.predict(api_name=f"/{brick_name}", **request)
    except AppError as error:
        message = str(error)
        assert message.strip() not in BARE_ERRORS and "Traceback" not in message, f"a bare error for {request!r}"
        assert names_a_field(message, fields), f"{message!r} names no field of {brick_name} ({request!r})"
        return
    assert outputs, f"no result and no message for {request!r}"


@pytest.mark.parametrize("brick_name", list(BRICKS))
def test_generated_requests_get_a_result_or_a_message_naming_a_field(shared_app, upload_files, brick_name):
    client = Client(shared_app["url"], verbose=False)
    fields = BRICKS[brick_name].fields

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests_of(fields, upload_files))
    def answers(request: dict[str, Any]) -> None:
        check_answer(client, brick_name, request)

    answers()
    assert Client(shared_app["url"], verbose=False).predict(text="bonjour", api_name="/translate"), "the app serves"


def test_numbers_that_are_not_finite_name_their_field(shared_app):
    client = Client(shared_app["url"], verbose=False)
    for value in ("Infinity", "9" * 400, "inf", 10**400):
        with pytest.raises(AppError, match="Seed"):
            client.predict(prompt="a cat", model="demo-sdxl", seed=value, api_name="/generate")


BATCH_JOB = {"prompt": "a cat", "model": "demo-sdxl", "width": 192, "height": 192, "steps": 8, "num_images": 8}
"""About a second and a half here, within the budget: long enough for six more requests to join the lane."""


def test_two_clients_share_the_lane_fairly_and_one_cannot_fill_it(shared_app):
    """A sends a job, then five more once it runs: four wait (the most one client may have) and the sixth is refused.
    B's single job, sent last, runs right after the running one instead of after all of A's."""
    first, second = Client(shared_app["url"], verbose=False), Client(shared_app["url"], verbose=False)
    finished: list[str] = []

    def send(seed: int) -> Any:
        done = [lambda *_: finished.append("A")]
        return first.submit(**BATCH_JOB, seed=seed, api_name="/generate", result_callbacks=done)

    running = send(0)
    deadline = time.monotonic() + 60
    while not running.status().progress_data and time.monotonic() < deadline:  # its first step: it has the lane
        time.sleep(0.02)
    sent = [running, *(send(seed) for seed in range(1, 6))]
    other = second.submit(**BATCH_JOB, api_name="/generate", result_callbacks=[lambda *_: finished.append("B")])
    assert other.result()
    refused = []
    for job in sent:
        try:
            job.result()
        except AppError as error:
            refused.append(str(error))
    assert refused == [
        "You have 4 jobs waiting already, the most one person may have: wait for one to start, or Cancel them."
    ]
    assert finished.index("B") == 1, f"B's job finished in place {finished.index('B') + 1} of {finished}"
