"""The Retouch tab: adjustments previewed live on a small copy, Reset, Apply to a new image; and an AI
cleanup, which is the Img2img brick at low strength."""

from __future__ import annotations

from typing import Any

import gradio as gr

from qpyt_gradio.bricks import img2img, retouch
from qpyt_gradio.bricks.params import check_request, declaration
from qpyt_gradio.ui.api import PRIVATE
from qpyt_gradio.ui.errors import user_errors
from qpyt_gradio.ui.forms import BrickForm, control, controls
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.prompt_extras import prompt_extras
from qpyt_gradio.ui.running import result_area, wire_brick, wire_image_brick, wire_result
from qpyt_gradio.ui.send import SendTarget, send_bar
from qpyt_gradio.ui.tabs.edit_controls import source_image
from qpyt_gradio.ui.workflow_draft import add_to_workflow_button
from qpyt_gradio.workspace import Workspace

CLEANUP_PROMPT = "clean, sharp, high quality"
CLEANUP_STRENGTH = 0.25
ADJUSTMENTS = [item.name for item in retouch.BRICK.settable_fields]


def build_retouch(workspace: Workspace, parts: PageParts) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("retouch")
            with gr.Row():
                percent = controls(workspace, retouch.RetouchRequest, ADJUSTMENTS[:5])
            with gr.Row():
                other = controls(workspace, retouch.RetouchRequest, ADJUSTMENTS[5:])
            with gr.Row():
                reset = gr.Button("Reset", elem_id="qpyt-retouch-reset")
                apply = gr.Button("Apply (new image)", variant="primary", elem_id="qpyt-retouch-apply")
            add_apply = gr.Button("Add these adjustments to the workflow", size="sm", elem_id="qpyt-retouch-apply-add")
            with gr.Accordion("AI cleanup (low-strength img2img with the current model)", open=False):
                cleanup_prompt = control(
                    workspace, declaration(img2img.Img2imgRequest, "prompt"), CLEANUP_PROMPT, lines=1
                )
                with gr.Row():
                    cleanup_strength = control(
                        workspace, declaration(img2img.Img2imgRequest, "strength"), CLEANUP_STRENGTH
                    )
                    cleanup_seed = control(workspace, declaration(img2img.Img2imgRequest, "seed"))
                cleanup_extras = prompt_extras(workspace, parts, "retouch", cleanup_prompt, None)
        with gr.Column(scale=2):
            shown = gr.Image(label="Preview", type="pil", format="png", height=360, elem_id="qpyt-retouch-preview")
            area = result_area("AI cleanup", "retouch")
            send_bar(parts, area.panel.gallery, "retouch")
    parts.targets["retouch"] = SendTarget("retouch", image)
    adjustments = {**percent, **other}

    @user_errors
    def live(image_path: str | None, *values: Any) -> Any:
        from qpyt_gradio.finishing.retouch import preview

        if not image_path:
            return None
        request = retouch.RetouchRequest(image_path, *values)
        return preview(check_request(request, workspace.limits))

    applying = BrickForm(retouch.BRICK, {"image": image, **adjustments})
    applied = wire_brick(workspace, parts, applying, apply, area.panel)
    wire_result(workspace, parts, applied, area.panel, area.summary)
    add_to_workflow_button(parts, applying, add_apply)
    cleanup = {
        "image": image,
        "prompt": cleanup_prompt,
        "model": parts.sidebar.model,
        "strength": cleanup_strength,
        "seed": cleanup_seed,
        **cleanup_extras,
    }
    wire_image_brick(workspace, parts, BrickForm(img2img.BRICK, cleanup), area)
    inputs = [image, *adjustments.values()]
    for control_ in adjustments.values():
        control_.change(live, inputs, shown, trigger_mode="always_last", show_progress="hidden", **PRIVATE)
    image.change(live, inputs, shown, show_progress="hidden", **PRIVATE)
    neutral = [declaration(retouch.RetouchRequest, name).default for name in ADJUSTMENTS]
    reset.click(lambda: neutral, None, list(adjustments.values()), **PRIVATE)
