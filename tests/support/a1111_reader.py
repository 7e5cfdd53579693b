"""How AUTOMATIC1111 reads its own settings line back (``parse_generation_parameters``): ``key: value`` pairs
split at commas outside double quotes, quoted values read as JSON strings. sd-parsers 0.6 splits quoted
values at their commas, so a writer's quoting is checked against this reader."""

from __future__ import annotations

import json
import re

SETTING = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')


def a1111_settings(text: str) -> dict[str, str]:
    """The settings of the last line of an A1111 ``parameters`` text."""
    line = text.strip().split("\n")[-1]
    return {key: json.loads(value) if value.startswith('"') else value for key, value in SETTING.findall(line)}
