"""The steps of the Workflow tab: each brick's controls (from its request type) and its input,
redrawn when steps are added, moved, removed or loaded. Run and Save read the controls as they are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.errors import InvalidInput
from qpyt_gradio.ui.api import GPU_QUEUE, PRIVATE, session_key
from qpyt_gradio.ui.errors import page_text, user_errors
from qpyt_gradio.ui.forms import control
from qpyt_gradio.ui.parts import PageParts
from qpyt_gradio.ui.prompt_extras import final_texts
from qpyt_gradio.ui.running import cancel_while_running, named_handler
from qpyt_gradio.ui.sidebar import choices_from
from qpyt_gradio.ui.workflow_draft import EDITS, Draft, edited, moved, removed, to_document
from qpyt_gradio.workflows.document import read_workflow
from qpyt_gradio.workflows.plan import GivenFiles
from qpyt_gradio.workflows.store import WorkflowFolder
from qpyt_gradio.workspace import Workspace


def input_choices(index: int, takes_image: bool) -> list[tuple[str, str]]:
    """Where step ``index`` (from 0) may take its input: by default the previous step's output (the
    first step: the input image), the input image, or an earlier step's output."""
    if not index:
        return [("the input image" if takes_image else "nothing", "")]
    return [("the previous step", ""), ("the input image", "0")] + [
        (f"step {number}", str(number)) for number in range(1, index + 1)
    ]


def input_source(text: str | None, number: int) -> Any:
    """Step ``number``'s input as the page shows it ("", a step number, or JSON) as a workflow writes it."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidInput(f"Step {number}: the input {text!r} is neither a step number nor a JSON source.") from None


@dataclass(frozen=True)
class StepActions:
    """What the steps' controls feed: Run (``runner`` streams its updates into ``results``; ``cancel`` can be
    pressed while it runs; ``after_run`` wires what follows a successful run), Save, and the saved list."""

    run: gr.Button
    cancel: gr.Button
    save: gr.Button
    results: list[Any]
    given: gr.File
    name: gr.Textbox
    description: gr.Textbox
    overwrite: gr.Checkbox
    saved_list: gr.Dropdown
    folder: WorkflowFolder
    runner: Any
    after_run: Any


SAME_MODEL = "the step before's model"
FIRST_MODEL = "the first model of the list"


class StepsView:
    """Draws the draft's steps where it is made; :meth:`wire` says what Run and Save do with them."""

    def __init__(self, workspace: Workspace, parts: PageParts) -> None:
        self.workspace, self.parts = workspace, parts
        self.actions: StepActions | None = None
        triggers = [parts.draft_layout.change, parts.app.load]
        gr.render(inputs=[parts.draft], triggers=triggers)(self._show)

    def wire(self, actions: StepActions) -> None:
        self.actions = actions

    def _show(self, current: Draft | None) -> None:
        steps = (current or {}).get("steps", [])
        if not steps:
            gr.Markdown("*No steps yet: pick a brick and press Add step, or load a preset.*")
        values: list[tuple[int, str, Any]] = []
        sources: list[tuple[int, Any]] = []
        for index, step in enumerate(steps):
            self._step(index, step, values, sources)
        self._wire_actions(values, sources)

    def _step(self, index: int, step: dict[str, Any], values: list[Any], sources: list[Any]) -> None:
        brick, sid = BRICKS[step["brick"]], step["id"]
        draft, layout = self.parts.draft, self.parts.draft_layout
        with gr.Group(elem_classes=["qpyt-step"]):
            with gr.Row(equal_height=True):
                gr.Markdown(f"**Step {index + 1} · {brick.label}** — {brick.summary}")
                up = gr.Button("Up", size="sm", min_width=56, scale=0, key=f"up-{sid}")
                down = gr.Button("Down", size="sm", min_width=70, scale=0, key=f"down-{sid}")
                drop = gr.Button(
                    "Remove",
                    size="sm",
                    min_width=80,
                    scale=0,
                    variant="stop",
                    key=f"remove-{sid}",
                    elem_id=f"qpyt-workflow-remove-{index + 1}",
                )
            with gr.Row():
                source = step.get("input")
                sources.append(
                    (
                        sid,
                        gr.Dropdown(
                            input_choices(index, brick.takes_image),
                            value="" if source is None else json.dumps(source),
                            label="Input",
                            allow_custom_value=True,
                            interactive=True,
                            min_width=160,
                            key=f"input-{sid}",
                            elem_id=f"qpyt-workflow-{index + 1}-input",
                        ),
                    )
                )
                for item in brick.settable_fields:
                    component = control(
                        self.workspace,
                        item,
                        step["params"].get(item.name),
                        empty_model=SAME_MODEL if index else FIRST_MODEL,
                        min_width=160,
                        interactive=True,
                        key=f"{sid}-{item.name}",
                        elem_id=f"qpyt-workflow-{index + 1}-{item.name}",
                    )
                    values.append((sid, item.name, component))
            self._final_texts(sid, step["params"], [(name, each) for owner, name, each in values if owner == sid])
        own = [("input", sources[-1][1]), *((name, each) for owner, name, each in values if owner == sid)]
        for name, component in own:
            component.change(self._editor(sid, name), [draft, component], draft, show_progress="hidden", **EDITS)
        for button, change in ((up, -1), (down, 1)):
            button.click(lambda d, v, o=change: (moved(d, sid, o), v + 1), [draft, layout], [draft, layout], **EDITS)
        drop.click(lambda d, v: (removed(d, sid), v + 1), [draft, layout], [draft, layout], **EDITS)

    def _final_texts(self, sid: int, params: dict[str, Any], fields: list[tuple[str, Any]]) -> None:
        """Under a step that takes a prompt and styles: the prompts its model will see, kept up to date."""
        by_name = dict(fields)
        if "prompt" not in by_name or "styles" not in by_name:
            return
        names = [name for name in ("model", "prompt", "negative_prompt", "styles") if name in by_name]

        def show(*values: Any) -> str:
            given = dict(zip(names, values, strict=True))
            final, negative = final_texts(
                self.workspace, given.get("model") or "", given["prompt"], given.get("negative_prompt") or "",
                list(given["styles"] or []),
            )  # fmt: skip
            return final + (f"\nNegative: {negative}" if negative else "")

        shown = gr.Textbox(
            show(*(params.get(name) for name in names)),
            label="Prompts the model sees",
            lines=2,
            interactive=False,
            key=f"final-{sid}",
        )
        inputs = [by_name[name] for name in names]
        gr.on([each.change for each in inputs], show, inputs, shown, show_progress="hidden", **PRIVATE)

    @staticmethod
    def _editor(sid: int, name: str) -> Any:
        """The change handler that writes one control's value into the draft (an unreadable input is left)."""

        def edit(draft: Draft, value: Any) -> Any:
            if name != "input":
                return edited(draft, sid, name, value)
            try:
                return edited(draft, sid, name, input_source(value, 0))
            except InvalidInput:
                return gr.skip()

        return edit

    def _wire_actions(self, values: list[tuple[int, str, Any]], sources: list[tuple[int, Any]]) -> None:
        actions = self.actions
        if actions is None:
            return
        controls = [component for _, _, component in values] + [component for _, component in sources]

        def document(draft: Draft, label: str, about: str, current: tuple[Any, ...]) -> dict[str, Any]:
            filled: dict[int, dict[str, Any]] = {}
            for (sid, name, _), value in zip(values, current[: len(values)], strict=True):
                filled.setdefault(sid, {})[name] = value
            texts = zip(sources, current[len(values) :], strict=True)
            inputs = {sid: input_source(text, number) for number, ((sid, _), text) in enumerate(texts, start=1)}
            return to_document({**draft, "name": label, "description": about}, filled, inputs)

        @user_errors
        def save(draft: Draft, label: str, about: str, replace: bool, *current: Any) -> Any:
            written = document(draft, label, about, current)
            read_workflow(written, self.workspace.limits)
            path = actions.folder.save(label, written, overwrite=replace)
            gr.Info(page_text(f"Saved {path.name} in {actions.folder.folder}."))
            return gr.update(choices=actions.folder.names(), value=path.stem)

        names = ["draft", "choices", "given", "label", "about", *(f"control_{index}" for index in range(len(controls)))]

        def run(values_by_name: dict[str, Any], request: gr.Request) -> Iterator[tuple[Any, ...]]:
            draft = values_by_name["draft"]
            if not draft or not draft.get("steps"):
                raise InvalidInput("The workflow has no step yet: add one, or load a preset.")
            current = tuple(values_by_name[f"control_{index}"] for index in range(len(controls)))
            workflow = read_workflow(
                document(draft, values_by_name["label"] or "workflow", values_by_name["about"], current),
                self.workspace.limits,
            )
            given = GivenFiles([Path(path) for path in values_by_name["given"] or []])
            choices = choices_from(values_by_name["choices"], self.workspace)
            yield from actions.runner(self.workspace, session_key(request), choices, workflow, given)

        actions.save.click(
            save,
            [self.parts.draft, actions.name, actions.description, actions.overwrite, *controls],
            actions.saved_list,
            **PRIVATE,
        )
        inputs = [self.parts.draft, self.parts.choices, actions.given, actions.name, actions.description, *controls]
        handler = user_errors(named_handler(names, run))
        actions.after_run(
            cancel_while_running(
                actions.run,
                actions.cancel,
                lambda: actions.run.click(handler, inputs, actions.results, **GPU_QUEUE, **PRIVATE),
            )
        )
