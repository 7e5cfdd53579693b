"""The API: one endpoint per row of the brick table, ``/run_workflow``, and what the app can read (LoRAs,
styles, an image's parameters); MCP serves the same.

Sliders and dropdowns check bounds and choices before a handler runs, with messages that do
not name the field. Endpoints take plain hidden fields instead, so every value reaches the
brick's declared checks and their named messages. Parameter names, order, defaults and the
descriptions (MCP reads them from the docstring) all come from the brick's request type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from qpyt_gradio.bricks.params import Declared
from qpyt_gradio.errors import InvalidInput

if TYPE_CHECKING:
    from qpyt_gradio.bricks.contract import Brick
    from qpyt_gradio.ui.panels import Panel
    from qpyt_gradio.workspace import Workspace

LANE_THREADS = 16
GPU_QUEUE = {"concurrency_id": "gpu", "concurrency_limit": LANE_THREADS}
"""Every event that runs a model joins this queue, whose handlers then wait in the fair GPU lane
(:mod:`qpyt_gradio.lane`: sessions in turn, one job at a time); Gradio's own queue, first come
first served, only bounds how many handlers wait at once."""

PRIVATE = {"api_visibility": "private"}
"""Events of the page itself: not endpoints of the API, nor MCP tools."""


def session_key(request: gr.Request) -> str:
    """The browser session a job belongs to (API calls without one share a key)."""
    return request.session_hash or "anonymous"


def hidden_field(item: Declared) -> gr.components.Component:
    """A plain input for one declared field: a file (uploaded as is), a checkbox, a number or a text."""
    kind, default = item.param.kind, item.default
    if kind == "file":
        return gr.File(visible=False, type="filepath")
    if kind == "flag":
        return gr.Checkbox(default, visible=False)
    if kind in ("whole", "number", "seed"):
        return gr.Number(default, visible=False)
    if kind in ("loras", "styles"):
        return gr.JSON(list(default), visible=False)
    return gr.Textbox("" if default is None else str(default), visible=False)


def docstring(summary: str, fields: list[Declared], returns: str, limits: Mapping[str, float]) -> str:
    """A docstring in the layout Gradio's MCP server reads: summary, ``Args:``, ``Returns:``."""
    lines = [summary, "", "Args:"]
    lines += [f"    {item.name}: {item.param.describe(item.default, limits)}" for item in fields]
    return "\n".join([*lines, "", "Returns:", f"    {returns}"])


RETURNS = {
    "images": "the saved PNG images (their metadata holds the parameters and the workflow), and the parameters used",
    "svg": "the SVG file, and the parameters used (paths, colours, bytes)",
    "text": "the text",
}


def brick_endpoint(workspace: Workspace, brick: Brick, panel: Panel) -> None:
    """``/<brick.name>``: the brick's fields as parameters, its results through ``panel``'s (hidden) outputs."""
    from qpyt_gradio.bricks.params import request_from
    from qpyt_gradio.ui.errors import user_errors
    from qpyt_gradio.ui.running import named_handler, stream_brick

    fields = brick.fields

    def body(values: dict[str, Any], request: gr.Request) -> Iterator[Any]:
        yield from stream_brick(
            workspace,
            session_key(request),
            workspace.default_choices(),
            brick,
            request_from(brick.request, values),
            panel,
        )

    returns = RETURNS[brick.gives.value] + (", and a note on what was done" if brick.returns_note else "")
    defaults = {item.name: item.default for item in fields}
    handler = named_handler(
        list(defaults), body, docstring(brick.summary, fields, returns, workspace.limits), defaults, brick.name
    )
    endpoint(user_errors(handler, escape=False), [hidden_field(item) for item in fields], panel.outputs, brick.name)


def endpoint(handler: Callable[..., Any], inputs: list[Any], outputs: list[Any], api_name: str) -> None:
    """Expose ``handler`` as ``/api_name`` through a hidden trigger, on the GPU queue."""
    trigger = gr.Button(visible=False)
    trigger.click(handler, inputs, outputs, api_name=api_name, **GPU_QUEUE)


def workflow_endpoint(workspace: Workspace) -> None:
    """``/run_workflow(workflow, files)``: a workflow's JSON text, and the files its steps start from or name;
    returns every output file and the parameters used, step by step."""
    from qpyt_gradio.ui.errors import user_errors
    from qpyt_gradio.ui.running import named_handler, workflow_events
    from qpyt_gradio.workflows.document import parse_text, read_workflow
    from qpyt_gradio.workflows.plan import GivenFiles
    from qpyt_gradio.workflows.runner import WorkflowRun

    def body(values: dict[str, Any], request: gr.Request) -> Iterator[Any]:
        workflow = read_workflow(parse_text(values["workflow"] or ""), workspace.limits)
        given = GivenFiles([Path(path) for path in values["files"] or []])
        for event in workflow_events(workspace, session_key(request), workspace.default_choices(), workflow, given):
            if isinstance(event, WorkflowRun):
                yield [str(path) for path in event.files], event.summary()

    doc = (
        "Run a workflow: a chain of bricks, each taking the previous step's output.\n\nArgs:\n"
        '    workflow: the workflow as JSON text, {"version": 1, "name": ..., "steps": [{"brick": ..., '
        '"params": {...}}]}; brick names and params are those of this API.\n'
        '    files: the images the workflow starts from or names (a step\'s input {"file": name}).\n\n'
        "Returns:\n    every output file, and the parameters used step by step (with the decided workflow)."
    )
    defaults = {"workflow": "", "files": None}
    handler = user_errors(named_handler(list(defaults), body, doc, defaults, "run_workflow"), escape=False)
    inputs = [gr.Textbox(visible=False), gr.File(visible=False, file_count="multiple", type="filepath")]
    outputs = [gr.File(visible=False, file_count="multiple"), gr.JSON(visible=False)]
    endpoint(handler, inputs, outputs, "run_workflow")


def reading_endpoints(workspace: Workspace) -> None:
    """``/loras`` and ``/styles``: what the LoRA folder and the style files hold; ``/read_parameters``: how
    an image was made; ``/history``: the outputs made so far."""
    from qpyt_gradio.history.listing import history_page, page_summary
    from qpyt_gradio.image_parameters import read_image_parameters
    from qpyt_gradio.ui.errors import user_errors

    def loras(rescan: bool = False) -> list[dict[str, Any]]:
        """List the LoRAs of the LoRA folder with what their files say.

        Args:
            rescan: read the folder again first (true or false).

        Returns:
            one entry per file: name, family (sdxl, flux, sd3 or null), format, rank, bytes, trigger words,
            title, preview file, whether it can be used, and why not.
        """
        if not isinstance(rescan, bool):
            raise gr.Error(f"rescan must be true or false, not {rescan!r}.")
        if rescan:
            workspace.loras.scan()
        return [item.summary() for item in workspace.loras.files()]

    def styles() -> dict[str, Any]:
        """List the styles, the style files read again: name, category, prompt and negative prompt (with
        {prompt} where the prompt goes), LoRAs; and the style files or entries that could not be read.

        Returns:
            {"styles": [...], "problems": [...]}.
        """
        book = workspace.reload_styles()
        listed = [
            {
                **{key: getattr(style, key) for key in ("name", "category", "prompt", "negative_prompt", "source")},
                "loras": [list(pair) for pair in style.loras],
            }
            for style in book.styles.values()
        ]
        return {"styles": listed, "problems": list(book.problems)}

    def read_parameters(image: str | None) -> dict[str, Any]:
        """Read how an image was made, from Qpyt-UI, AUTOMATIC1111 / Forge, ComfyUI, Fooocus, InvokeAI or NovelAI.

        Args:
            image: a PNG (or a JPEG / WebP with an EXIF user comment).

        Returns:
            {"tool": the tool that made it ("" when the image carries no parameters), "parameters": the
            /generate parameters it maps to (prompt, negative_prompt, model, width, height, steps, guidance,
            seed, loras), "ignored": the settings that have no meaning here}.
        """
        if not image:
            raise InvalidInput("No image to read: give a PNG, JPEG or WebP file.")
        return read_image_parameters(Path(image)).as_dict()

    def history(query: str = "", day: str = "", page: int = 1) -> dict[str, Any]:
        """List the outputs made so far, newest first, 20 a page: words found in the prompts, model, brick
        or seed; "seed:123", "model:name" or "brick:upscale" for one field; quotes keep words together.

        Args:
            query: what to look for (empty: everything).
            day: one day written YYYY-MM-DD, or empty for every day.
            page: the page, from 1 (a page past the last gives the last).

        Returns:
            {"total": outputs found, "page", "pages", "days": [[day, outputs], ...], "items": one per output:
            file (under the outputs folder), day, made, prompt, negative_prompt, model, seed, brick, width,
            height}.
        """
        return page_summary(workspace, history_page(workspace, query, day, page))

    gr.Button(visible=False).click(loras, gr.Checkbox(False, visible=False), gr.JSON(visible=False), api_name="loras")
    gr.Button(visible=False).click(styles, None, gr.JSON(visible=False), api_name="styles")
    gr.Button(visible=False).click(
        user_errors(read_parameters, escape=False),
        gr.File(visible=False, type="filepath"),
        gr.JSON(visible=False),
        api_name="read_parameters",
    )
    gr.Button(visible=False).click(
        user_errors(history, escape=False),
        [gr.Textbox("", visible=False), gr.Textbox("", visible=False), gr.Number(1, visible=False)],
        gr.JSON(visible=False),
        api_name="history",
    )
