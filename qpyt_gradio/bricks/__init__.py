"""Bricks: each is a tab of the page built around one plain function."""
