"""The tabs of the page: layouts around the bricks' controls. Labels by tab id (the table's ``tab``)."""

TAB_LABELS = {
    "generate": "Generate",
    "img2img": "Img2img",
    "inpaint": "Inpaint",
    "outpaint": "Outpaint",
    "upscale": "Upscale",
    "background": "Background",
    "vectorize": "Vectorize",
    "retouch": "Retouch",
    "prompt-tools": "Prompt tools",
    "loras": "LoRAs",
    "workflow": "Workflow",
    "history": "History",
}
