"""Theme, style sheet and the small script the page needs (Gradio 6 takes them in ``launch``)."""

from __future__ import annotations

import gradio as gr

THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="slate", radius_size="sm", text_size="sm")

CSS = """
.gradio-container { max-width: 100% !important; }
[id$="-result"] { min-height: 320px; }
[id$="-summary"] p { margin: 0.25rem 0; }
button.dialog-button { border: 1px solid var(--border-color-primary) !important; }
input[role="combobox"] { text-overflow: ellipsis; padding-right: 1.75rem !important; }
#qpyt-memory table { table-layout: fixed; width: 100%; font-family: var(--font); font-size: var(--text-xs); }
#qpyt-memory td, #qpyt-memory th { overflow-wrap: anywhere; }
.qpyt-range-note { font-size: var(--text-sm); color: var(--body-text-color-subdued); margin-top: 0.25rem; }
#qpyt-quantize-note { font-size: var(--text-sm); color: var(--body-text-color-subdued); }
.slider_input_container, .slider_input_container input[type="range"] { min-width: 0; }
.qpyt-step .head { flex-wrap: wrap; row-gap: var(--spacing-sm); }
.qpyt-step .head [data-testid="block-info"] { white-space: nowrap; }
.icon-button-wrapper.top-panel:not(:has(*)) { display: none; }
footer .record.hidden + .divider { display: none; }
"""

# Ctrl+Enter (Cmd+Enter on macOS) in a text field of the Generate brick presses Generate.
# A number typed past a slider's range is brought back into it by Gradio without a word: say so under it.
JS = """
() => {
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key !== "Enter") return;
    const brick = document.querySelector("#qpyt-generate-brick");
    if (!brick || !brick.contains(document.activeElement)) return;
    event.preventDefault();
    document.querySelector("#qpyt-generate-run")?.click();
  });
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "number" || input.max === "") return;
    const typed = Number(input.value), low = Number(input.min), high = Number(input.max);
    if (Number.isNaN(typed) || (typed >= low && typed <= high)) return;
    const used = typed > high ? high : low;
    const block = input.closest(".block") || input.parentElement;
    let note = block.querySelector(".qpyt-range-note");
    if (!note) {
      note = document.createElement("div");
      note.className = "qpyt-range-note";
      block.appendChild(note);
    }
    const side = typed > high ? "above the largest" : "below the smallest";
    note.textContent = `${typed} is ${side} value: ${used} is used.`;
    clearTimeout(note.hideTimer);
    note.hideTimer = setTimeout(() => note.remove(), 8000);
  }, true);
}
"""
