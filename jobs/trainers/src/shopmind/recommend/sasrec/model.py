"""``sasrec``: the sequential transformer as a :class:`Recommender`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Recommender, Shortlist, best_first, dot_scorer
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
        self._fp16: Any = None  # faiss float16 copy of the table, for shortlists

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
        self._fp16 = None
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

    def _hidden(self, histories: Sequence[History]) -> torch.Tensor:
        """``(B, C)``: each history's state after its newest event (rows of empty histories
        are meaningless: callers mask them)."""
        net = self._network()
        if net.training:  # eval() walks every sub-module: about 0.3 ms a request
            net.eval()
        parts = []
        with torch.inference_mode():
            for a in range(0, len(histories), SCORE_BATCH):
                chunk = list(histories[a : a + SCORE_BATCH])
                padded = pad_histories(chunk, self.params.max_len)
                parts.append(net.last_hidden(*padded.rows(np.arange(len(chunk)))))
        return torch.cat(parts) if parts else torch.zeros(0, self.params.dim)

    def scores(self, histories: Sequence[History]) -> np.ndarray:
        table = self.item_table()
        out = np.empty((len(histories), len(self.catalog)), np.float32)
        hidden = self._hidden(histories)
        with torch.inference_mode():
            for a in range(0, len(histories), SCORE_BATCH):
                out[a : a + SCORE_BATCH] = (hidden[a : a + SCORE_BATCH] @ table.T).numpy()
        empty = np.array([len(h) == 0 for h in histories], bool)
        out[empty] = -np.inf  # nothing to read: the model has no opinion
        return out

    def shortlists(self, histories: Sequence[History], n: int) -> list[Shortlist]:
        """On large catalogs the shortlist comes from the float16 scan (see
        ``SasRecParams.shortlist_fp16_from``); it and the scorer use exact float32 scores."""
        if len(self.catalog) < self.params.shortlist_fp16_from:
            return super().shortlists(histories, n)
        import faiss

        table = self.item_table().numpy()
        hidden = self._hidden(histories).numpy()
        # over-fetch by the history's items, which the shortlist leaves out
        extra = max((np.unique(h.items).shape[0] for h in histories), default=0)
        k = min(n + extra, len(self.catalog))
        faiss.omp_set_num_threads(1)  # one history per request: fan-out would only contend
        _, found = self.fp16_index().search(np.ascontiguousarray(hidden), k)
        out = []
        for r, h in enumerate(histories):
            score = dot_scorer(table, hidden[r] if len(h) else None)
            f = found[r]
            f = f[(f >= 0) & ~np.isin(f, h.items)][:n]
            items, scores = best_first(f, score(f), n)  # an empty history: none finite
            out.append(Shortlist(items, scores, score))
        return out

    def fp16_index(self) -> Any:
        """A faiss float16 inner-product index over the item table (built once)."""
        if self._fp16 is None:
            import faiss

            table = np.ascontiguousarray(self.item_table().numpy())
            index = faiss.IndexScalarQuantizer(
                table.shape[1], faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
            index.train(table)
            index.add(table)
            self._fp16 = index
        return self._fp16

    def prepare(self, cache_dir: Path | None = None) -> None:
        """Build the float16 index ahead of the first request on a large catalog."""
        if self.net is not None and len(self.catalog) >= self.params.shortlist_fp16_from:
            self.fp16_index()

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
        self._table = None
        self._fp16 = None
        self.report = TrainReport(**params["report"])
