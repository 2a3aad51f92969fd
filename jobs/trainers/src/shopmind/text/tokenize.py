"""WordPiece tokenisation with per-batch (dynamic) padding, via the ``tokenizers`` library."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from shopmind.errors import ConfigError

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def load_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    """A ``tokenizer.json`` set to truncate at ``max_tokens`` and to pad nothing (we pad)."""
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # the library raises a bare Exception on a bad file
        raise ConfigError(f"cannot load tokenizer {path}: {exc}") from exc
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    return tok


def build_wordpiece(vocab: Sequence[str], max_tokens: int) -> Tokenizer:
    """A lower-casing BERT WordPiece tokenizer over ``vocab`` (special tokens are added first).

    Used for the tiny test encoder and anywhere a self-contained tokenizer is needed.
    """
    words = list(SPECIAL) + [w for w in dict.fromkeys(vocab) if w not in SPECIAL]
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok.decoder = decoders.WordPiece()
    tok.enable_truncation(max_length=max_tokens)
    return tok


def batch_ids(
    tok: Tokenizer, texts: Sequence[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Token ids and attention mask, both (B, T) int64, padded to the batch's longest text."""
    from shopmind.text.base import pad

    return pad([e.ids for e in tok.encode_batch(list(texts))])
