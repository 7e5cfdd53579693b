"""Translate: French → English with MarianMT, sentence by sentence, prompt syntax kept as written.
Text in another language comes back unchanged, with a note that says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qpyt_gradio.bricks import params
from qpyt_gradio.bricks.contract import Brick, Holds, Job, Result, text_result

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


@dataclass(frozen=True)
class TranslateRequest:
    text: str = params.text(
        "Text",
        "the French text; (word:1.2), [...], <lora:...> and BREAK are kept",
        feed="text",
        required="Nothing to translate: the text is empty.",
        lines=5,
    )


def run(workspace: Workspace, job: Job, request: TranslateRequest) -> Result:
    from qpyt_gradio.helpers.translate import translate  # torch, transformers: first use only

    translation = translate(workspace.registry, request.text)
    parameters = {"brick": "translate", "translated": translation.translated, "notes": [translation.note]}
    return text_result(parameters, translation.text, "The translator wrote nothing for this text: reword it.")


BRICK = Brick(
    name="translate",
    label="French → English",
    summary="Translate a French prompt into English, keeping prompt syntax as written.",
    request=TranslateRequest,
    run=run,
    gives=Holds.TEXT,
    tab="prompt-tools",
    text_field="text",
    returns_note=True,
)
