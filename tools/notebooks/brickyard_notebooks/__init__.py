"""Notebook tooling: promote exported notebook cells into a workspace library."""
