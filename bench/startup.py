"""Time from process start to the first HTTP 200: ``python app.py --demo`` ÷ a bare Gradio hello world.

Runs alternate (hello, app, hello, app...) and the medians are compared. Goal: <= 1.5.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from common import ROOT, free_port, median

HELLO = textwrap.dedent(
    """
    import sys
    import gradio as gr

    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name")
        greeting = gr.Textbox(label="Greeting")
        name.submit(lambda value: f"Hello {value}!", name, greeting)
    demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]))
    """
)


def time_to_first_200(command: list[str], port: int, cwd: Path) -> float:
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qpyt-startup-"))
    hello = work / "hello.py"
    hello.write_text(HELLO)

    def app_command(port: int) -> list[str]:
        return [
            sys.executable,
            str(ROOT / "app.py"),
            "--demo",
            "--port",
            str(port),
            "--cache-dir",
            str(work / "cache"),
            "--outputs-dir",
            str(work / "outputs"),
            "--models-dir",
            str(work / "models"),
        ]

    hello_times, app_times = [], []
    for _ in range(arguments.runs):
        port = free_port()
        hello_times.append(time_to_first_200([sys.executable, str(hello), str(port)], port, work))
        port = free_port()
        app_times.append(time_to_first_200(app_command(port), port, work))
    print(f"gradio hello world  median {median(hello_times):.2f} s  runs {[round(t, 2) for t in hello_times]}")
    print(f"python app.py --demo median {median(app_times):.2f} s  runs {[round(t, 2) for t in app_times]}")
    print(f"ratio app / hello world = {median(app_times) / median(hello_times):.3f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
