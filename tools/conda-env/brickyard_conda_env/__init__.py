"""The notebook/dev conda environment, generated from the Pants resolve and locked with conda-lock."""
