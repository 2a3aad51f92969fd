"""``sasrec``: the sequential transformer as a :class:`Recommender`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Self

import numpy as np
import torch

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Recommender
from shopmind.recommend.data import History, Interactions
from shopmind.recommend.sasrec.config import SasRecParams
from shopmind.recommend.sasrec.network import SeqNet
from shopmind.recommend.sasrec.training import TrainReport, pad_histories, train_network

SCORE_BATCH = 512  # histories scored per forward pass


class SasRec(Recommender):
    """Causal self-attention over the newest ``max_len`` events; see docs/recommend.md."""

    name = "sasrec"
    params_type = SasRecParams
    holds_out_last = True  # the last event of each user is its early-stopping validation

    def __init__(self, params: SasRecParams | None = None) -> None:
        self.params = params or SasRecParams()
        self.net: SeqNet | None = None
        self.report = TrainReport()
        self._table: torch.Tensor | None = None  # cached (N, C) item table for serving

    def fit(self, data: Interactions) -> Self:
        p = self.params
        if p.threads:
            torch.set_num_threads(p.threads)
        torch.manual_seed(p.seed)
        self.catalog = data.catalog
        text = data.catalog.vectors if p.text_weight else None
        self.net = SeqNet(p, data.n_items, text)
        self.report = train_network(self.net, data, p)
        self._table = None
        return self

    def _network(self) -> SeqNet:
        if self.net is None:
            raise InvalidArgument("the sasrec model is not fitted", argument="model")
        return self.net

    def item_table(self) -> torch.Tensor:
        """``(N, C)`` item representations (cached: they only change when training)."""
        if self._table is None:
            with torch.no_grad():
                self._table = self._network().item_table()[1:].contiguous()
        return self._table

    def scores(self, histories: Sequence[History]) -> np.ndarray:
        net = self._network()
        if net.training:  # eval() walks every sub-module: about 0.3 ms a request
            net.eval()
        table = self.item_table()
        out = np.empty((len(histories), len(self.catalog)), np.float32)
        with torch.inference_mode():
            for a in range(0, len(histories), SCORE_BATCH):
                chunk = list(histories[a : a + SCORE_BATCH])
                padded = pad_histories(chunk, self.params.max_len)
                rows = np.arange(len(chunk))
                hidden = net.last_hidden(*padded.rows(rows))  # (B, C)
                s = (hidden @ table.T).numpy()
                empty = np.array([len(h) == 0 for h in chunk])
                if empty.any():  # nothing to read: the model has no opinion
                    s[empty] = -np.inf
                out[a : a + len(chunk)] = s
        return out

    def training_report(self) -> dict[str, Any]:
        return asdict(self.report)

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        net = self._network()
        arrays = {f"net.{k}": v.detach().numpy() for k, v in net.state_dict().items()}
        return {
            "params": asdict(self.params),
            "text": net.text_proj is not None,
            "report": asdict(self.report),
        }, arrays

    def set_arrays(self, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> None:
        text = arrays["net.text"][1:] if params["text"] else None
        net = SeqNet(self.params, len(self.catalog), text)
        net.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in arrays.items()})
        net.eval()
        self.net = net
        self.report = TrainReport(**params["report"])
