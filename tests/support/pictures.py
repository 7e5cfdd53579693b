"""Source images for the editing bricks: a red disc on white, and a mask of its middle."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw


def picture_and_mask(folder: Path, width: int, height: int) -> dict[str, str]:
    """Write ``picture.png`` (a red ellipse on white) and ``mask.png`` (white over its middle) of ``width`` ×
    ``height`` into ``folder``; their paths by the brick field names ``image`` and ``mask``."""
    picture = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(picture).ellipse((width // 5, height // 8, width * 4 // 5, height * 7 // 8), fill=(200, 40, 30))
    picture.save(folder / "picture.png")
    mask = Image.new("L", (width, height), 0)
    mask.paste(255, (width * 5 // 16, height * 5 // 16, width * 5 // 8, height * 11 // 16))
    mask.save(folder / "mask.png")
    return {"image": str(folder / "picture.png"), "mask": str(folder / "mask.png")}
