"""Features: per-item statistics and per-user profiles as versioned workspace assets.

``build_item_embeddings`` commits ``item_embeddings@N`` (re-encoding only changed products),
``build_item_stats`` commits ``item_stats@N`` and ``build_user_profiles`` commits
``user_profiles@N``; both read pinned ``events`` and ``products`` versions (profiles also an
optional ``item_embeddings`` version) and record them as lineage. See docs/features.md.
"""

from shopmind.features.embeddings import build_item_embeddings
from shopmind.features.item_stats import StatsParams, build_item_stats
from shopmind.features.user_profiles import ProfileParams, build_user_profiles

__all__ = [
    "ProfileParams",
    "StatsParams",
    "build_item_embeddings",
    "build_item_stats",
    "build_user_profiles",
]
