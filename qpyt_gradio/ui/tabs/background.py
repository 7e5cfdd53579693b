"""The Background tab: cut the subject out (Remove background), or paint a new background around it
(Replace background). Both bricks share the image and the rembg model."""

from __future__ import annotations

import gradio as gr

from qpyt_gradio.bricks import remove_background, replace_background
from qpyt_gradio.bricks.params import declaration
from qpyt_gradio.ui.forms import BrickForm, control, controls
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.prompt_extras import prompt_extras
from qpyt_gradio.ui.running import result_area, wire_area_job, wire_image_brick
from qpyt_gradio.ui.send import SendTarget, send_bar
from qpyt_gradio.ui.tabs.edit_controls import source_image
from qpyt_gradio.ui.workflow_draft import add_to_workflow_button
from qpyt_gradio.workspace import Workspace

OUTPUT_LABELS = {"transparent": "Transparent PNG", "mask": "Mask only", "color": "Subject on a colour"}


def build_background(workspace: Workspace, parts: PageParts) -> None:
    removing = remove_background.RemoveBackgroundRequest
    replacing = replace_background.ReplaceBackgroundRequest
    defaults = workspace.catalog.get(parts.sidebar.model.value).defaults
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            image = source_image("background")
            model = control(workspace, declaration(removing, "background_model"))
            with gr.Row():
                output = gr.Radio(
                    [(label, key) for key, label in OUTPUT_LABELS.items()], value="transparent", label="Output"
                )
                color = gr.ColorPicker("#ffffff", label="Colour")
                matting = control(
                    workspace, declaration(removing, "alpha_matting"), label="Alpha matting (finer edges)"
                )
            with gr.Accordion("Replace the background", open=False):
                prompt = control(
                    workspace,
                    declaration(replacing, "prompt"),
                    label="New background",
                    lines=2,
                    elem_id="qpyt-background-prompt",
                )
                negative = control(workspace, declaration(replacing, "negative_prompt"))
                extras = prompt_extras(workspace, parts, "background", prompt, negative)
                with gr.Row():
                    sampling = controls(
                        workspace,
                        replacing,
                        ["steps", "guidance", "seed"],
                        {"steps": defaults.steps, "guidance": defaults.guidance},
                    )
                replace = gr.Button("Replace the background", elem_id="qpyt-background-replace")
                add_replace = gr.Button(
                    "Add the replacement to the workflow", size="sm", elem_id="qpyt-background-replace-add"
                )
        with gr.Column(scale=2):
            area = result_area("Remove the background", "background")
            send_bar(parts, area.panel.gallery, "background")
    parts.targets["background"] = SendTarget("background", image)
    removal = {"image": image, "background_model": model, "output": output, "color": color, "alpha_matting": matting}
    wire_image_brick(workspace, parts, BrickForm(remove_background.BRICK, removal), area)
    replacement = BrickForm(
        replace_background.BRICK,
        {
            "image": image,
            "prompt": prompt,
            "negative_prompt": negative,
            "model": parts.sidebar.model,
            "background_model": model,
            **sampling,
            **extras,
        },
    )
    wire_area_job(workspace, parts, replacement, replace, area)
    add_to_workflow_button(parts, replacement, add_replace)
