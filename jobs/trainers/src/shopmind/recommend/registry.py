"""Every recommender by name: what the CLI, the bench and the build step choose from."""

from __future__ import annotations

from pathlib import Path

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Recommender, saved_model_name
from shopmind.recommend.content import ContentKNN
from shopmind.recommend.ease import Ease
from shopmind.recommend.hybrid import Hybrid
from shopmind.recommend.itemcf import ItemCF
from shopmind.recommend.popularity import Popularity, Trending
from shopmind.recommend.sasrec.model import SasRec

MODELS: dict[str, type[Recommender]] = {
    m.name: m for m in (Popularity, Trending, ItemCF, Ease, ContentKNN, SasRec, Hybrid)
}


def model_class(name: str) -> type[Recommender]:
    """The class registered as ``name``; InvalidArgument naming the choices otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise InvalidArgument(
            f"unknown recommender {name!r}; choose from {', '.join(sorted(MODELS))}",
            argument="model",
        ) from None


def load_model(path: Path) -> Recommender:
    """Load whichever model ``path`` holds."""
    return model_class(saved_model_name(path)).load(path)
