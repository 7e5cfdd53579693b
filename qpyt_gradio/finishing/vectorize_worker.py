"""The vtracer call, run as a child process so that a trace that takes too long can be stopped.

``python vectorize_worker.py '<options as JSON>'`` reads a PNG on standard input and writes the
SVG on standard output. It imports nothing of the app, so it runs from any working directory.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    import vtracer

    options = json.loads(sys.argv[1])
    svg = vtracer.convert_raw_image_to_svg(sys.stdin.buffer.read(), img_format="png", **options)
    sys.stdout.buffer.write(svg.encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
