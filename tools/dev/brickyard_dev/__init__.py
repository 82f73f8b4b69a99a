"""Brickyard's developer CLI: `./pants run tools/dev -- <verb>`, one module (or package) per verb."""
