"""Qpyt-UI entry point: ``python app.py --help`` (also the Hugging Face Spaces app file).

``gradio app.py [-- flags]`` serves the page with hot reload (README, "Hot reload"): Gradio runs this
file at start, then again in the same namespace after each edit. The page is built each time; what
``gr.NO_RELOAD`` guards, only at start (:mod:`qpyt_gradio.development`).
"""

import os
import sys
import time

if not os.environ.get("GRADIO_WATCH_DIRS"):  # set by ``gradio app.py`` only
    if __name__ == "__main__":
        from qpyt_gradio.cli import main

        sys.exit(main())
else:
    sys.modules.update(globals().get("kept_modules", {}))  # the workspace's modules, dropped by Gradio
    from qpyt_gradio.cli import serve_page
    from qpyt_gradio.development import development_settings, loaded_modules, report_kept_edits, resident_workspace

    settings = development_settings(sys.argv[1:])
    import gradio as gr

    if gr.NO_RELOAD:
        workspace = resident_workspace(settings)
        kept_modules = loaded_modules()
        kept_since = time.time()
    else:
        report_kept_edits(kept_modules, kept_since)
    from qpyt_gradio.ui.page import build_app, launch_options

    demo = build_app(workspace)
    if __name__ == "__main__":  # as Gradio runs it
        if gr.NO_RELOAD:
            serve_page(demo, workspace)
        else:  # in Gradio's watcher, launch() only takes the page's theme, CSS and script
            demo.launch(**launch_options(workspace))
