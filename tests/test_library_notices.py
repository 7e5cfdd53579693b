"""The app's log keeps library warnings a user can act on and drops the notices that say nothing."""

from __future__ import annotations

import logging

from diffusers.utils import logging as diffusers_logging
from transformers.utils import logging as transformers_logging

from qpyt_gradio.library_notices import quiet_library_notices

TORCHVISION = (
    "`CLIPImageProcessor` requires torchvision (not installed); falling back to `CLIPImageProcessorPil` for "
    "backward compatibility."
)
FLOAT32 = "There are modules in AutoencoderKL that should be kept in float32: []. Casting directly with `to()`..."


def passes(logger: logging.Logger, message: str) -> bool:
    """Whether ``logger`` lets a warning with ``message`` through to its handlers."""
    return bool(logger.filter(logger.makeRecord(logger.name, logging.WARNING, __file__, 1, message, (), None)))


def test_only_the_known_notices_are_dropped():
    quiet_library_notices()
    quiet_library_notices()  # twice: still one filter each
    imports = transformers_logging.get_logger("transformers.utils.import_utils")
    modeling = diffusers_logging.get_logger("diffusers.models.modeling_utils")
    ours = [[item for item in logger.filters if type(item).__name__ == "DropNotice"] for logger in (imports, modeling)]
    assert [len(found) for found in ours] == [1, 1]
    assert not passes(imports, TORCHVISION) and not passes(modeling, FLOAT32)
    assert passes(modeling, FLOAT32.replace("[]", "['norm']"))
    assert passes(imports, "torch is not available; install torch")
