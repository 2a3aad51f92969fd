"""The contract every Encoder passes; test modules subclass :class:`EncoderContract`."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.text.base import Encoder

TEXTS = [
    "red running shoes",
    "blue cotton shirt",
    "steel kettle",
    "tea cup",
    "phone case black",
    "desk lamp",
]
AWKWARD = [
    "",
    "   ",
    "x" * 5000,
    "red 茶杯 Ｔｅａ кружка",
    "tab\there\x00nul\x1bescape\x7f",
    "🙂🙂",
]


class EncoderContract:
    """Mix-in: subclasses provide an ``encoder`` fixture."""

    # cosine between a text's vector alone and in a batch; int8 backends set a lower floor
    min_batch_cosine = 0.9999

    def test_shape_dtype_and_unit_norm(self, encoder: Encoder) -> None:
        v = encoder.encode(TEXTS)
        assert v.shape == (len(TEXTS), encoder.info.dim) and v.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)

    def test_order_and_batching_do_not_change_vectors(self, encoder: Encoder) -> None:
        together = encoder.encode(TEXTS)
        reversed_ = encoder.encode(TEXTS[::-1])[::-1]
        alone = np.stack([encoder.encode([t])[0] for t in TEXTS])
        # padding to a longer neighbour, or other texts in the batch, must not change a text's
        # vector beyond the backend's precision (int8 scales activations per batch)
        assert (together * reversed_).sum(axis=1).min() >= self.min_batch_cosine
        assert (together * alone).sum(axis=1).min() >= self.min_batch_cosine

    def test_empty_batch(self, encoder: Encoder) -> None:
        assert encoder.encode([]).shape == (0, encoder.info.dim)

    def test_awkward_texts_encode(self, encoder: Encoder) -> None:
        v = encoder.encode(AWKWARD)
        assert v.shape == (len(AWKWARD), encoder.info.dim)
        assert np.isfinite(v).all()

    def test_deterministic(self, encoder: Encoder) -> None:
        np.testing.assert_array_equal(encoder.encode(TEXTS), encoder.encode(TEXTS))

    def test_bad_input_is_named(self, encoder: Encoder) -> None:
        with pytest.raises(InvalidArgument, match=r"texts\[1\] must be a str"):
            encoder.encode(["ok", None])  # type: ignore[list-item]
        with pytest.raises(InvalidArgument, match="not one string"):
            encoder.encode("one string")

    def test_info(self, encoder: Encoder) -> None:
        assert encoder.info.model_id and encoder.info.dim > 0 and encoder.info.max_tokens > 0
