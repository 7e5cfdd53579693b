"""Finishing: background removal (rembg), vectorization to SVG (vtracer), retouching."""
