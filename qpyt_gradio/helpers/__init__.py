"""Prompt helpers: image captioning, French→English translation, prompt enhancement."""
