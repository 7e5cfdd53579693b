"""Running bricks in tests exactly as the page and the API do: through the table and the runner."""

from __future__ import annotations

from typing import Any

from qpyt_gradio.bricks.contract import Job, Result
from qpyt_gradio.bricks.table import BRICKS
from qpyt_gradio.workflows.runner import run_brick


def run(workspace: Any, name: str, job: Job | None = None, **values: Any) -> Result:
    """Brick ``name`` on ``values``: its request checked, its seed and model decided and recorded, run."""
    brick = BRICKS[name]
    return run_brick(workspace, job or Job(), brick, brick.request(**values))
