from __future__ import annotations

import pytest
import torch

from shopmind.errors import ConfigError, InvalidArgument
from shopmind.text.bert import BertConfig, BertEncoder, rename_hf_key


def test_config_guards() -> None:
    with pytest.raises(InvalidArgument, match="divisible by heads"):
        BertConfig(hidden=30, heads=4)
    with pytest.raises(InvalidArgument, match="layers must be >= 1"):
        BertConfig(layers=0)


@pytest.mark.parametrize(
    ("hf", "ours"),
    [
        ("embeddings.word_embeddings.weight", "word.weight"),
        ("encoder.layer.3.attention.self.query.bias", "layers.3.attention.query.bias"),
        ("encoder.layer.0.attention.output.LayerNorm.weight", "layers.0.attention.norm.weight"),
        ("encoder.layer.5.output.dense.weight", "layers.5.ffn.down.weight"),
        ("bert.encoder.layer.1.intermediate.dense.bias", "layers.1.ffn.up.bias"),
        ("pooler.dense.weight", None),
        ("embeddings.position_ids", None),
    ],
)
def test_hf_names(hf: str, ours: str | None) -> None:
    assert rename_hf_key(hf) == ours


def test_unknown_weight_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unexpected weight"):
        rename_hf_key("encoder.layer.0.mystery.weight")


def test_padding_does_not_leak_into_the_pooled_vector() -> None:
    torch.manual_seed(0)
    model = BertEncoder(
        BertConfig(
            vocab_size=50,
            hidden=16,
            layers=2,
            heads=2,
            intermediate=32,
            max_positions=16,
            dropout=0.0,
        )
    ).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 0, 0, 0]])
    with torch.no_grad():
        padded = model(ids, mask)
        short = model(ids[:, :3], mask[:, :3])
        garbage = model(torch.tensor([[5, 6, 7, 9, 9, 9]]), mask)
    torch.testing.assert_close(padded, short, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(padded, garbage, atol=1e-5, rtol=1e-5)
