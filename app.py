"""Qpyt-UI entry point: ``python app.py --help`` (also the Hugging Face Spaces app file)."""

import sys

from qpyt_gradio.cli import main

if __name__ == "__main__":
    sys.exit(main())
