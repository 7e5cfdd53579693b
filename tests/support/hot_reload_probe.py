"""Runs app.py as the process that ``gradio app.py`` starts, with a probe beside it.

``python hot_reload_probe.py APP EDIT [FLAGS...]``, in the environment ``gradio app.py`` gives its
process, ``--port`` among the flags. The probe waits for the page, loads ``demo-sdxl`` into the
registry, rewrites the watched file EDIT until Gradio serves a page built again, then prints a
line ``FACTS {json}`` on what was built again and what stayed, and ends the process.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

WAIT_SECONDS = 120


def served_page_id(port: int) -> int | None:
    """The id of the page Gradio serves on ``port`` (None: not served yet)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/app_id", timeout=2) as response:
            return json.load(response)["app_id"]
    except OSError:
        return None


def wait_for(condition: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if (value := condition()) is not None:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"no {what} within {WAIT_SECONDS} s")


def app_namespace(app: Path) -> dict[str, Any] | None:
    """app.py's namespace once its first run made the workspace (Gradio later drops it from sys.modules)."""
    main = sys.modules.get("__main__")
    namespace = vars(main) if main is not None else {}
    return namespace if namespace.get("__file__") == str(app) and "workspace" in namespace else None


def probe(app: Path, edit: Path, port: int) -> dict[str, Any]:
    namespace = wait_for(lambda: app_namespace(app), "workspace")
    first_id = wait_for(lambda: served_page_id(port), "page")
    workspace = namespace["workspace"]
    registry = workspace.registry
    with registry.image_job("demo-sdxl") as job:
        pipeline = job.pipeline
    page = sys.modules["qpyt_gradio.ui.page"]
    errors = sys.modules["qpyt_gradio.errors"]

    def page_built_again() -> int | None:
        edit.write_text(f"EDITED = {time.time()!r}\n")
        page_id = served_page_id(port)
        return page_id if page_id not in (None, first_id) else None

    new_id = wait_for(page_built_again, "page built again")
    with namespace["workspace"].registry.image_job("demo-sdxl") as job:
        same_pipeline = job.pipeline is pipeline
    return {
        "new page served": namespace["demo"].app_id == new_id,
        "page module loaded again": sys.modules["qpyt_gradio.ui.page"] is not page,
        "same workspace": namespace["workspace"] is workspace,
        "same registry": namespace["workspace"].registry is registry,
        "same pipeline": same_pipeline,
        "loads": dict(registry.load_counts),
        "one error class": sys.modules["qpyt_gradio.ui.errors"].UserFacingError is errors.UserFacingError,
    }


def report(app: Path, edit: Path, port: int) -> None:
    try:
        facts: dict[str, Any] = probe(app, edit, port)
    except Exception as error:
        facts = {"error": repr(error)}
    print("FACTS " + json.dumps(facts), flush=True)
    os._exit(0)


def main() -> None:
    app, edit, *flags = sys.argv[1:]
    app_path = Path(app).resolve()
    port = int(flags[flags.index("--port") + 1])
    threading.Thread(target=report, args=(app_path, Path(edit), port), daemon=True).start()
    sys.argv = [str(app_path), *flags]
    sys.path.insert(0, str(app_path.parent))
    runpy.run_path(str(app_path), run_name="__main__")


if __name__ == "__main__":
    main()
