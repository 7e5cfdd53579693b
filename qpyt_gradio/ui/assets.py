"""Theme, style sheet and the small script the page needs (Gradio 6 takes them in ``launch``)."""

from __future__ import annotations

import gradio as gr

THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="slate", radius_size="sm", text_size="sm")

CSS = """
.gradio-container { max-width: 100% !important; }
[id$="-result"] { min-height: 320px; }
[id$="-summary"] p { margin: 0.25rem 0; }
"""

# Ctrl+Enter (Cmd+Enter on macOS) in a text field of the Generate brick presses Generate.
JS = """
() => {
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key !== "Enter") return;
    const brick = document.querySelector("#qpyt-generate-brick");
    if (!brick || !brick.contains(document.activeElement)) return;
    event.preventDefault();
    document.querySelector("#qpyt-generate-run")?.click();
  });
}
"""
