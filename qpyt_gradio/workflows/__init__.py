"""Workflows: chains of bricks as JSON documents, checked, planned and run by one runner."""
