"""item_embeddings: one vector per product; only changed products are re-encoded."""

from __future__ import annotations

import string

import numpy as np
import pyarrow as pa
import pytest

from shopmind.contracts.vectors import vectors_matrix
from shopmind.features import build_item_embeddings
from shopmind.text.sources import tiny_source
from shopmind.text.templates import product_text, text_hash
from shopmind.text.torch_encoder import TorchEncoder
from shopmind.workspace import Workspace

VOCAB = list(string.ascii_lowercase + string.digits) + [
    "##" + c for c in string.ascii_lowercase + string.digits
]


class CountingEncoder(TorchEncoder):
    """Counts how many texts really went through the model."""

    calls = 0

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        CountingEncoder.calls += len(ids)
        return super()._run(ids, mask)


@pytest.fixture
def encoder() -> CountingEncoder:
    src = tiny_source(VOCAB, seed=3)
    CountingEncoder.calls = 0
    return CountingEncoder(src.model, src.tokenizer, src.name, src.max_tokens, batch_size=8)


def _products(ws: Workspace, titles: list[str]) -> object:
    n = len(titles)
    return ws.write_table(
        "products",
        pa.table(
            {
                "item_id": [f"P{i}" for i in range(n)],
                "title": titles,
                "brand": ["acme"] * n,
                "category": pa.array(["Home > Kitchen"] * n),
                "attributes": pa.array(['{"color":"red"}'] * n),
            }
        ),
        "test",
    )


def test_vectors_match_direct_encoding(ws: Workspace, encoder: CountingEncoder) -> None:
    titles = ["kettle", "steel kettle", "tea cup", ""]
    products = _products(ws, titles)
    v = build_item_embeddings(ws, products, encoder)  # type: ignore[arg-type]
    assert str(v.ref) == "item_embeddings@1" and v.inputs == (products.ref,)  # type: ignore[attr-defined]
    table = ws.read_table(v)
    texts = [product_text(t, "acme", "Home > Kitchen", '{"color":"red"}') for t in titles]
    assert texts[0] == "kettle | acme | Home > Kitchen | color: red"
    np.testing.assert_allclose(vectors_matrix(table["vector"]), encoder.encode(texts), atol=1e-6)
    assert table["text_hash"].to_pylist()[0] == text_hash(texts[0], encoder.info.model_id)
    assert v.params["model_id"] == encoder.info.model_id


def test_only_changed_products_are_re_encoded(ws: Workspace, encoder: CountingEncoder) -> None:
    titles = [f"item {i} steel" for i in range(100)]
    first = build_item_embeddings(ws, _products(ws, titles), encoder)  # type: ignore[arg-type]
    assert CountingEncoder.calls == 100 and first.report["reused"] == 0
    titles[7] = "item 7 copper"  # one edit
    titles.append("brand new item")  # one addition
    CountingEncoder.calls = 0
    second = build_item_embeddings(ws, _products(ws, titles), encoder)  # type: ignore[arg-type]
    assert CountingEncoder.calls == 2
    assert (second.report["encoded"], second.report["reused"]) == (2, 99)
    assert second.report["reused_from"] == "item_embeddings@1"
    a = vectors_matrix(ws.read_table(first)["vector"])
    b = vectors_matrix(ws.read_table(second)["vector"])
    np.testing.assert_array_equal(a[:7], b[:7])
    assert not np.allclose(a[7], b[7])


def test_another_encoder_does_not_reuse_vectors(ws: Workspace, encoder: CountingEncoder) -> None:
    products = _products(ws, ["kettle", "cup"])
    build_item_embeddings(ws, products, encoder)  # type: ignore[arg-type]
    src = tiny_source(VOCAB, seed=4, hidden=16)
    other = CountingEncoder(src.model, src.tokenizer, src.name, src.max_tokens)
    CountingEncoder.calls = 0
    v = build_item_embeddings(ws, products, other)  # type: ignore[arg-type]
    assert CountingEncoder.calls == 2 and v.report["reused"] == 0
