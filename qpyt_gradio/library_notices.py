"""Library notices that say nothing a user can act on, kept out of the app's log.

Each notice is dropped by a filter on the logger that writes it, set up before the library is
imported (the library then gets the same logger object), so nothing heavy is imported for it.
Only the exact notices below are dropped; every other warning of these libraries still shows.
"""

from __future__ import annotations

import logging
import re

NOTICES = {
    # transformers 5: the PIL image processors are used without torchvision, which is what this app wants
    "transformers.utils.import_utils": re.compile(r"requires torchvision \(not installed\); falling back to `\w+Pil`"),
    # diffusers: said on every cast with a dtype, even when no module has to stay in float32 (the list is empty)
    "diffusers.models.modeling_utils": re.compile(r"There are modules in \w+ that should be kept in float32: \[\]\."),
}


class DropNotice(logging.Filter):
    """Drops the records whose message matches ``notice``."""

    def __init__(self, notice: re.Pattern[str]) -> None:
        super().__init__()
        self.notice = notice

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.notice.search(record.getMessage())


def quiet_library_notices() -> None:
    """Drop :data:`NOTICES` from what their libraries log (once per logger)."""
    for name, notice in NOTICES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(existing, DropNotice) for existing in logger.filters):
            logger.addFilter(DropNotice(notice))
