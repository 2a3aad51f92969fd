"""Named, independent random streams derived from one seed.

Each generator draws from its own stream so that, e.g., asking for more queries does not shift
every product's price. Names are turned into integers with CRC32 because ``hash()`` of a
string changes from one interpreter run to the next.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *index: int) -> np.random.Generator:
    """A generator for ``name`` (and optional sub-indices, e.g. a chunk number) under ``seed``."""
    key = [int(seed), zlib.crc32(name.encode("utf-8")), *(int(i) for i in index)]
    return np.random.default_rng(np.random.SeedSequence(key))


def zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) float64 weights proportional to 1/rank**exponent, ranks shuffled, summing to 1."""
    ranks = rng.permutation(n).astype(np.float64) + 1.0
    w = ranks**-exponent
    out: np.ndarray = w / w.sum()
    return out
