"""Bricks: each is a request type, a Gradio-free ``run`` and a row of the brick table (``table.py``)."""
