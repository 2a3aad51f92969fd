"""Tiny encoders built on the spot: random weights, a small WordPiece vocabulary."""

from __future__ import annotations

import string

import pytest

from shopmind.text.sources import ModelSource, tiny_source
from shopmind.text.torch_encoder import TorchEncoder

WORDS = [
    "red",
    "blue",
    "black",
    "shoe",
    "shoes",
    "running",
    "shirt",
    "kettle",
    "steel",
    "acme",
    "boots",
    "cotton",
    "phone",
    "case",
    "lamp",
    "desk",
    "under",
    "cup",
    "tea",
]
VOCAB = (
    WORDS
    + list(string.ascii_lowercase + string.digits)
    + ["##" + c for c in string.ascii_lowercase + string.digits]
)


@pytest.fixture(scope="session")
def tiny_src() -> ModelSource:
    return tiny_source(VOCAB, seed=0)


@pytest.fixture(scope="session")
def tiny_torch(tiny_src: ModelSource) -> TorchEncoder:
    return TorchEncoder(
        tiny_src.model,
        tiny_src.tokenizer,
        tiny_src.name,
        tiny_src.max_tokens,
        threads=1,
        batch_size=4,
    )
