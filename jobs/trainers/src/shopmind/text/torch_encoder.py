"""The reference encoder: the BERT module run by torch on the CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from tokenizers import Tokenizer

from shopmind.text.base import EncoderInfo, TokenEncoder
from shopmind.text.bert import BertEncoder, load_hf_bert
from shopmind.text.tokenize import load_tokenizer


class TorchEncoder(TokenEncoder):
    """Encode with a :class:`BertEncoder` in torch (float32, no gradients)."""

    def __init__(
        self,
        model: BertEncoder,
        tokenizer: Tokenizer,
        model_name: str,
        max_tokens: int,
        threads: int = 1,
        batch_size: int = 32,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.threads = threads
        self.batch_size = batch_size
        self.info = EncoderInfo(
            model_id=f"{model_name}/torch",
            backend="torch",
            dim=model.cfg.hidden,
            max_tokens=max_tokens,
        )

    @classmethod
    def from_hf_dir(
        cls, model_dir: Path, model_name: str, max_tokens: int = 256, threads: int = 1
    ) -> TorchEncoder:
        """Load weights and tokenizer from a Hugging Face model folder."""
        return cls(
            load_hf_bert(model_dir),
            load_tokenizer(model_dir / "tokenizer.json", max_tokens),
            model_name,
            max_tokens,
            threads,
        )

    def _run(
        self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        torch.set_num_threads(self.threads)
        with torch.inference_mode():
            out = self.model(torch.from_numpy(ids), torch.from_numpy(mask))  # (B, C)
        return out.numpy().astype(np.float32, copy=False)
