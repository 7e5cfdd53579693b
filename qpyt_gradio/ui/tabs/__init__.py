"""The tabs of the page: controls and layout around the bricks."""
