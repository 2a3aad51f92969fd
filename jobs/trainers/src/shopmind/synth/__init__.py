"""A seeded, realistic synthetic shop: catalogue, users, event funnels, queries, ground truth.

``generate_shop(config)`` builds it in memory for small configs; ``write_shop(config, dir)``
streams it to CSV, JSON Lines or Parquet files at any size, optionally with malformed rows
planted for ingest to quarantine. Same seed, same shop, byte for byte.
"""

from shopmind.synth.config import SynthConfig
from shopmind.synth.queries import QuerySpec
from shopmind.synth.shop import Shop, generate_shop
from shopmind.synth.truth import GroundTruth
from shopmind.synth.writer import FORMATS, write_shop

__all__ = [
    "FORMATS",
    "GroundTruth",
    "QuerySpec",
    "Shop",
    "SynthConfig",
    "generate_shop",
    "write_shop",
]
