"""The brick table: every brick by name, read by the page, the API, the workflow runner and MCP.

Adding a brick is one module (request type, ``run``, ``BRICK``) and one row here; a brick
whose ``tab`` has no builder of its own gets a tab made from its request type.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from qpyt_gradio.bricks import (
    caption,
    enhance_prompt,
    generate,
    img2img,
    inpaint,
    outpaint,
    remove_background,
    replace_background,
    retouch,
    translate,
    upscale,
    vectorize,
)
from qpyt_gradio.bricks.contract import Brick

BRICKS: Mapping[str, Brick] = MappingProxyType(
    {
        brick.name: brick
        for brick in (
            generate.BRICK,
            img2img.BRICK,
            inpaint.BRICK,
            outpaint.BRICK,
            upscale.BRICK,
            remove_background.BRICK,
            replace_background.BRICK,
            vectorize.BRICK,
            retouch.BRICK,
            caption.BRICK,
            translate.BRICK,
            enhance_prompt.BRICK,
        )
    }
)
