"""The served app, started as a user starts it (``python app.py --demo``), driven with gradio_client."""

import concurrent.futures
import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

from qpyt_gradio.metadata import read_parameters


@pytest.fixture(scope="module")
def client(served_app):
    return Client(served_app["url"], verbose=False)


DEFAULTS = {
    "prompt": "a lighthouse",
    "model": "demo-sdxl",
    "width": 64,
    "height": 64,
    "steps": 2,
    "guidance": 3.0,
    "seed": 5,
}


def submit(client, **values):
    """A /generate job with small defaults, ``values`` overriding them."""
    return client.submit(**{**DEFAULTS, **values}, api_name="/generate")


def generate(client, **values):
    return submit(client, **values).result(timeout=300)


def test_api_names_are_stable(client):
    parameters = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/generate"]["parameters"]
    names = [parameter["parameter_name"] for parameter in parameters]
    assert names == [
        *("prompt", "negative_prompt", "model", "width", "height", "steps", "guidance", "seed", "num_images"),
        *("loras", "styles"),
    ]


@pytest.mark.parametrize(
    ("name", "family"),
    [("demo-sdxl", "sdxl"), ("demo-flux", "flux"), ("demo-sd3", "sd3"), ("tiny-sd3.safetensors", "sd3")],
)
def test_generate_on_each_engine(client, served_app, name, family):
    images, used = generate(client, prompt=f"a {name} test", model=name, seed=77, num_images=2)
    assert used["seeds"] == [77, 78] and used["engine"] == family
    assert len(images) == 2
    stored = read_parameters(images[1]["image"])
    assert (stored["seed"], stored["prompt"], stored["model"]) == (78, f"a {name} test", name)
    assert Image.open(images[0]["image"]).size == (64, 64)
    saved = sorted(path.name for path in served_app["outputs"].rglob("*.png"))
    assert set(used["files"]) <= set(saved)


def test_eight_jobs_at_once_from_two_clients_all_complete_unmixed(client, served_app):
    other = Client(served_app["url"], verbose=False)  # one session may keep only four jobs waiting
    jobs = {
        seed: submit(
            client if seed % 2 else other,
            prompt=f"job {seed}",
            model="demo-sd3",
            guidance=2.0,
            seed=seed,
            num_images=1,
        )
        for seed in range(100, 108)
    }
    for seed, job in jobs.items():
        images, used = job.result(timeout=300)
        assert (used["seed"], used["prompt"]) == (seed, f"job {seed}")
        stored = read_parameters(images[0]["image"])
        assert (stored["seed"], stored["prompt"]) == (seed, f"job {seed}")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"prompt": ""}, "prompt is empty"),
        ({"width": 10000}, "Width 10000 is out of range"),
        ({"height": 63}, "Height 63 is out of range"),
        ({"steps": 500}, "Steps 500 is out of range"),
        ({"guidance": -1}, "Guidance -1 is out of range"),
        ({"num_images": 20}, "Number of images 20 is out of range"),
        ({"model": "no-such-model"}, "Unknown model 'no-such-model'"),
        ({"model": "old-model.ckpt"}, "pickle-based checkpoint"),
        ({"model": "corrupted.safetensors"}, "damaged"),
        ({"model": "truncated-flux.safetensors"}, "truncated"),
        ({"model": "sd15.safetensors"}, "not a checkpoint of a supported family"),
        ({"model": "stabilityai/sdxl-turbo"}, "not in the local Hugging Face cache and the Hub cannot be reached"),
        ({"model": "flux-transformer-only.safetensors"}, "Hub cannot be reached"),
    ],
)
def test_bad_input_gets_a_message_and_the_app_keeps_serving(client, values, message):
    with pytest.raises(AppError, match=message):
        generate(client, **values)
    images, used = generate(client, seed=1)
    assert len(images) == 1 and used["seed"] == 1


def test_a_checkpoint_removed_after_the_scan(client, served_app):
    (served_app["models"] / "soon-deleted-flux.safetensors").unlink()
    with pytest.raises(AppError, match="no longer in the models folder"):
        generate(client, model="soon-deleted-flux.safetensors")


def test_snapped_sizes_are_reported(client):
    images, used = generate(client, model="demo-flux", width=100, height=64)
    assert used["width"] == 96 and any("Width 100 → 96" in note for note in used["notes"])
    assert Image.open(images[0]["image"]).size == (96, 64)


def test_concurrent_submissions_from_several_clients(served_app):
    def one(seed):
        return generate(
            Client(served_app["url"], verbose=False),
            prompt=f"client {seed}",
            model="demo-flux",
            steps=1,
            guidance=1.0,
            seed=seed,
            num_images=1,
        )[1]

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        used = list(pool.map(one, [1, 2, 3]))
    assert [(item["seed"], item["prompt"]) for item in used] == [(1, "client 1"), (2, "client 2"), (3, "client 3")]


def test_progress_is_reported_per_step(client):
    job = submit(
        client,
        prompt="progress",
        model="demo-sdxl",
        width=256,
        height=256,
        steps=20,
        guidance=2.0,
        seed=3,
        num_images=1,
    )
    sampling: set[int] = set()
    while not job.done():
        for unit in job.status().progress_data or []:
            if unit.desc == "Sampling" and unit.index is not None:
                sampling.add(unit.index)
        time.sleep(0.02)
    job.result()
    assert len(sampling) >= 2 and max(sampling) <= 20


def test_cancelling_an_api_job_frees_the_gpu_lane_for_the_next(client, served_app):
    job = submit(
        client,
        prompt="a job to cancel",
        model="demo-sdxl",
        width=1024,
        height=1024,
        steps=150,
        guidance=2.0,
        seed=9,
        num_images=1,
    )
    deadline = time.monotonic() + 60
    while not any(unit.desc == "Sampling" for unit in job.status().progress_data or []):
        assert time.monotonic() < deadline, "the job never started sampling"
        time.sleep(0.05)
    assert job.cancel()
    # The cancelled job would need minutes; the next one only gets the lane if it stopped.
    follow_up = submit(client, prompt="next", seed=2)
    assert follow_up.result(timeout=60)[1]["prompt"] == "next"
    assert not list(served_app["outputs"].rglob("*a-job-to-cancel*"))
