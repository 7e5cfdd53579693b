"""The work one job may ask for, counted before any model runs: megapixels × denoising steps × images.

A shared link or a Space has a budget (see :attr:`Settings.cost_limit`); a local app has none
unless ``--max-cost`` sets one. The count is exact, not a guess: it is made from the values the
pipeline is about to get (the working size, the steps an img2img strength really runs, the
images), and for the upscaler from its tile grid.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qpyt_gradio.errors import InvalidInput

if TYPE_CHECKING:
    from qpyt_gradio.workspace import Workspace


def denoising_steps(steps: int, strength: float | None) -> int:
    """The steps a call really runs: all of them, or for img2img and inpainting those its strength keeps."""
    return steps if strength is None else max(1, math.floor(steps * strength))


def megapixel_steps(width: int, height: int, steps: int, count: int) -> float:
    return width * height * steps * count / 1e6


def check_budget(workspace: Workspace, cost: float, what: str, lower: str) -> None:
    """Refuse a job of ``cost`` megapixel-steps above the app's budget, saying what to lower."""
    limit = workspace.settings.cost_limit
    if limit is not None and cost > limit:
        raise InvalidInput(
            f"This job would take {cost:,.4g} megapixel-steps ({what}); this app allows {limit:,.4g} per job. "
            f"Lower {lower}."
        )
