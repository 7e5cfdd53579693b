"""Command line: ``python app.py [options]`` or ``python -m qpyt_gradio [options]`` serves the page;
``python -m qpyt_gradio run FILE --out DIR`` runs a workflow headless (:mod:`qpyt_gradio.headless`)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qpyt_gradio.library_notices import quiet_library_notices
from qpyt_gradio.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    import gradio as gr

    from qpyt_gradio.workspace import Workspace

log = logging.getLogger("qpyt_gradio")
SLOW_INDEX_S = 2.0
"""Indexing the history for longer than this at start is worth a line in the log."""


def prepare_environment(settings: Settings) -> None:
    """Process-wide defaults that must be set before Gradio is imported.

    Light events (memory panel, send buttons...) may run 4 at a time; image jobs share one GPU
    lane whatever this says. Set here, the queue that Blocks makes is used as is: calling
    ``queue()`` again would rebuild the whole app once more at startup. Uploads go to a cache of
    this app's own, not the one every Gradio app of the machine shares. Library notices that say
    nothing to a user are kept out of the log.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_DEFAULT_CONCURRENCY_LIMIT", "4")
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.cache_dir / "gradio-uploads"))
    quiet_library_notices()


def warm_up(workspace: Workspace) -> threading.Thread:
    """Import torch and diffusers, bring the history's index up to date, and import rembg, in the background
    once the page is served, so the first click is quicker (the first index of thousands of outputs takes
    seconds; rembg's very first import compiles its code for a minute or two); returns the thread."""

    def work() -> None:
        _ = workspace.registry.device
        import qpyt_gradio.generation.txt2img  # noqa: F401
        from qpyt_gradio.finishing.background import import_rembg

        if workspace.settings.history_shown:
            started = time.monotonic()
            read = workspace.history.refresh()
            if time.monotonic() - started > SLOW_INDEX_S:
                log.info("History: %d outputs indexed in %.0f s.", read, time.monotonic() - started)

        import_rembg()

    thread = threading.Thread(target=work, name="qpyt-warm-up", daemon=True)
    thread.start()
    return thread


def serve(settings: Settings) -> None:
    """Build the page for ``settings`` and serve it until interrupted."""
    from qpyt_gradio.ui.page import build_app
    from qpyt_gradio.workspace import Workspace

    workspace = Workspace.from_settings(settings)
    serve_page(build_app(workspace), workspace)


def serve_page(app: gr.Blocks, workspace: Workspace) -> None:
    """Serve ``app``, the page of ``workspace``, until interrupted; warm the libraries up meanwhile."""
    from qpyt_gradio.ui.page import launch_options

    settings = workspace.settings
    if settings.host not in ("127.0.0.1", "localhost", "::1") and settings.auth is None:
        log.warning("Listening on %s without --auth: anyone on this network can use the GPU.", settings.host)
    app.launch(prevent_thread_lock=True, **launch_options(workspace))
    print(f"Qpyt-UI is served on {app.local_url}" + (f" and {app.share_url}" if app.share_url else ""), flush=True)
    warm_up(workspace)
    app.block_thread()


def startup_settings(argv: Sequence[str]) -> Settings:
    """The settings of ``argv`` over the environment, with the log set up and the environment prepared
    for Gradio (call it before Gradio is imported); raises :class:`SettingsError`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)  # the app's own lines; libraries (httpx's every request...) from warnings up
    settings = load_settings(argv)
    prepare_environment(settings)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:
        from qpyt_gradio.headless import main as run_headless

        return run_headless(argv[1:])
    try:
        settings = startup_settings(argv)
    except SettingsError as problem:
        print(f"qpyt-ui: {problem}", file=sys.stderr)
        return 2
    serve(settings)
    return 0
