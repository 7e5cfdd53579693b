"""The history of outputs: an index of the outputs folder (searchable, paged, kept up to date by
folder times), thumbnails, and deletion inside the folder only."""
