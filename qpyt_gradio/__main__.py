"""``python -m qpyt_gradio``: start Qpyt-UI."""

import sys

from qpyt_gradio.cli import main

sys.exit(main())
