"""Qpyt-UI: a local generative-imaging studio on Gradio and diffusers."""

__version__ = "0.1.0"
