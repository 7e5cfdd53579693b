"""LoRA files: what a ``.safetensors`` LoRA is for (family, layout, rank, trigger words), read from its header."""
