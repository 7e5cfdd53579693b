"""Prompt texts before they reach a pipeline: AUTOMATIC1111 weighting syntax, long prompts, ``BREAK``.

``weighting`` reads the syntax in pure Python (no torch), so a bad prompt is refused before any model
loads; ``encoding`` turns weighted or long prompts into embeddings through compel, and is imported only
when generating.
"""
