"""A layered dependency graph of N synthetic libraries, the way real monorepos grow.

Libraries sit in layers (a few foundations at the bottom, applications at the top); each
library above the bottom uses one to three libraries from lower layers, most often the
layer just below. The graph depends only on N and the seed, so every run of a benchmark
measures the same repository.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class SyntheticLibrary:
    name: str  # e.g. "lib007": import `gen.lib007`, directory libs/lib007
    index: int
    layer: int
    uses: tuple[str, ...]  # the libraries it imports, lower layers only


def layer_count(libraries: int) -> int:
    """About log2(N) layers: 10 libraries -> 3, 50 -> 6, 200 -> 8."""
    return max(1, min(libraries, round(math.log2(libraries)) if libraries > 1 else 1))


def build_graph(libraries: int, seed: int = 8) -> list[SyntheticLibrary]:
    rng = random.Random(seed)
    layers = layer_count(libraries)
    width = len(f"{libraries - 1}") if libraries > 1 else 1
    width = max(width, 3)
    result: list[SyntheticLibrary] = []
    by_layer: list[list[str]] = [[] for _ in range(layers)]
    for index in range(libraries):
        # Even split, lower layers first: library i sits in layer floor(i * layers / N).
        layer = index * layers // libraries
        name = f"lib{index:0{width}d}"
        uses: list[str] = []
        if layer > 0:
            below = by_layer[layer - 1]
            lower = [lib for lower_layer in by_layer[: layer - 1] for lib in lower_layer]
            uses.append(rng.choice(below))
            for _ in range(rng.randint(0, 2)):
                pool = below if (rng.random() < 0.6 or not lower) else lower
                candidate = rng.choice(pool)
                if candidate not in uses:
                    uses.append(candidate)
        by_layer[layer].append(name)
        result.append(SyntheticLibrary(name, index, layer, tuple(sorted(uses))))
    return result


def dependents(graph: list[SyntheticLibrary], name: str) -> set[str]:
    """Every library that uses `name`, directly or through others."""
    found: set[str] = set()
    frontier = {name}
    while frontier:
        frontier = {lib.name for lib in graph if set(lib.uses) & frontier} - found
        found |= frontier
    return found
