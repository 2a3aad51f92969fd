"""Training the sequential network: full softmax over the catalog, early stopping on validation.

Every user's last interaction is held out for validation; the positions before it are training
targets (each position predicts the next item). Long histories are cut into windows of
``max_len + 1`` events so none is wasted. Loss is cross-entropy over ALL items at every real
position, computed only where there is a target (padding never reaches the ``(M, N)`` logits).
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from shopmind.recommend.data import History, Interactions
from shopmind.recommend.sasrec.config import SasRecParams
from shopmind.recommend.sasrec.network import SeqNet, gap_buckets

log = logging.getLogger(__name__)


@dataclass
class Padded:
    """Left-padded ``(R, W)`` matrices of item rows (catalog index + 1), event codes and gaps."""

    items: np.ndarray
    events: np.ndarray
    gaps: np.ndarray

    def rows(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The chosen rows, trimmed to the longest of them (fewer padding columns to compute)."""
        items = self.items[idx]
        width = int((items > 0).sum(axis=1).max()) if len(idx) else 1
        width = max(width, 1)
        cut = slice(items.shape[1] - width, None)
        return (
            torch.from_numpy(items[:, cut]),
            torch.from_numpy(self.events[idx][:, cut]),
            torch.from_numpy(self.gaps[idx][:, cut]),
        )


def pad_histories(histories: list[History], width: int) -> Padded:
    """Left-pad each history's newest ``width`` events into :class:`Padded` matrices."""
    n = len(histories)
    items = np.zeros((n, width), np.int64)
    events = np.zeros((n, width), np.int64)
    gaps = np.zeros((n, width), np.int64)
    for r, h in enumerate(histories):
        m = min(len(h), width)
        if m == 0:
            continue
        items[r, width - m :] = h.items[-m:] + 1
        if h.events is not None:
            events[r, width - m :] = h.events[-m:]
        if h.times is not None:
            gaps[r, width - m :] = gap_buckets(h.times)[-m:]
    return Padded(items, events, gaps)


def training_windows(data: Interactions, max_len: int) -> list[History]:
    """Windows of at most ``max_len + 1`` events, newest first per user, covering every event."""
    out: list[History] = []
    for u in range(data.n_users):
        h = data.history(u)
        end = len(h)
        while end >= 2:
            start = max(0, end - (max_len + 1))
            out.append(
                History(h.items[start:end], _cut(h.events, start, end), _cut(h.times, start, end))
            )
            end = start + 1 if start > 0 else 0  # next window ends where this one's inputs begin
    return out


def _cut(a: np.ndarray | None, start: int, end: int) -> np.ndarray | None:
    return None if a is None else a[start:end]


def length_batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random batches of windows of similar length, in random order.

    Most histories are far shorter than ``max_len``: grouping by length cuts the padded
    positions the transformer computes several-fold, while the shuffle inside each length and
    the shuffled batch order keep the gradient steps unbiased enough.
    """
    order = np.lexsort((np.asarray(rng.random(lengths.shape[0])), lengths))
    batches = [order[a : a + size] for a in range(0, order.shape[0], size)]
    return [batches[i] for i in rng.permutation(len(batches))]


@dataclass
class TrainReport:
    """What one training run did: epochs, best validation NDCG@10 and the curve, seconds."""

    epochs: int = 0
    best_epoch: int = 0
    best_ndcg10: float = 0.0
    seconds: float = 0.0
    stopped: str = ""
    curve: list[tuple[int, float, float]] = field(default_factory=list)  # (epoch, s, ndcg@10)


def validation_ndcg10(net: SeqNet, inputs: Padded, targets: np.ndarray, batch: int = 512) -> float:
    """Mean NDCG@10 of the held-out items, ranked against all items, inputs' items excluded."""
    net.eval()
    total = 0.0
    with torch.no_grad():
        table = net.item_table()[1:]
        for a in range(0, len(targets), batch):
            idx = np.arange(a, min(a + batch, len(targets)))
            items, events, gaps = inputs.rows(idx)
            scores = net.last_hidden(items, events, gaps) @ table.T  # (B, N)
            seen = torch.zeros(scores.shape[0], scores.shape[1] + 1, dtype=torch.bool)
            seen.scatter_(1, items, True)
            scores.masked_fill_(seen[:, 1:], float("-inf"))
            tgt = torch.from_numpy(targets[idx])
            target_score = scores.gather(1, tgt[:, None])
            rank = (scores > target_score).sum(dim=1)  # 0-based
            hit = (rank < 10) & torch.isfinite(target_score[:, 0])
            total += float((hit.float() / torch.log2(rank.float() + 2.0)).sum())
    net.train()
    return total / max(len(targets), 1)


def learning_rate_at(done: float, p: SasRecParams) -> float:
    """The cosine schedule's rate when ``done`` (0..1) of the training budget is spent.

    The budget is mostly wall-clock here, and a rate still high when the clock runs out leaves
    the model noisy: decaying it over the budget lets the last minutes settle into a minimum."""
    floor = p.lr_floor * p.learning_rate
    return floor + (p.learning_rate - floor) * 0.5 * (1.0 + math.cos(math.pi * done))


def sampled_loss(
    hidden: torch.Tensor,
    targets: torch.Tensor,
    net: SeqNet,
    negatives: int,
    gen: torch.Generator,
) -> torch.Tensor:
    """Cross-entropy of each target against ``negatives`` uniformly drawn items.

    ``hidden`` (M, C) states, ``targets`` (M,) item indices. One draw serves the whole batch
    (a (K, C) slice of the item table instead of all N rows); a draw that hits a row's own
    target is masked for that row. Uniform sampling needs no log-probability correction: every
    item's correction is the same constant."""
    table = net.item_table()[1:]  # (N, C)
    neg = torch.randint(0, table.shape[0], (negatives,), generator=gen)  # (K,)
    positive = (hidden * table[targets]).sum(dim=1, keepdim=True)  # (M, 1)
    negative = hidden @ table[neg].T  # (M, K)
    negative = negative.masked_fill(neg[None, :] == targets[:, None], float("-inf"))
    logits = torch.cat([positive, negative], dim=1)  # the target is column 0
    return F.cross_entropy(logits, torch.zeros_like(targets))


def train_network(net: SeqNet, data: Interactions, p: SasRecParams) -> TrainReport:
    """Train ``net`` in place on ``data`` (last event per user held out); keep the best epoch."""
    started = time.perf_counter()
    rng = np.random.default_rng(p.seed)
    torch.manual_seed(p.seed)
    fit_part = data.truncated(1)
    net.mark_seen(fit_part.item_counts())
    windows = training_windows(fit_part, p.max_len)
    train = pad_histories(windows, p.max_len + 1)
    window_lengths = np.array([len(w) for w in windows], np.int64)
    lengths = data.lengths()
    val_users = np.flatnonzero(lengths >= 2)
    val_inputs = pad_histories([fit_part.history(int(u)) for u in val_users], p.max_len)
    val_targets = np.array([data.items[data.offsets[u + 1] - 1] for u in val_users], np.int64)

    opt = torch.optim.AdamW(net.parameters(), lr=p.learning_rate, weight_decay=p.weight_decay)
    report = TrainReport()
    best_state = copy.deepcopy(net.state_dict())
    bad = 0
    deadline = started + 60.0 * p.max_minutes
    net.train()
    n_items = len(data.catalog)
    sampled = n_items >= p.sampled_from_items and p.negatives < n_items
    gen = torch.Generator().manual_seed(p.seed)
    out_of_time = False
    for epoch in range(1, p.max_epochs + 1):
        batches = length_batches(window_lengths, p.batch_size, rng)
        for step, batch in enumerate(batches):
            if step > 0 and time.perf_counter() > deadline:
                # on a large catalog one epoch can outlast the whole cap: stop inside it
                out_of_time = True
                break
            if p.schedule == "cosine":
                done = max(
                    (time.perf_counter() - started) / (deadline - started),
                    (epoch - 1 + step / len(batches)) / p.max_epochs,
                )
                for group in opt.param_groups:
                    group["lr"] = learning_rate_at(min(done, 1.0), p)
            items, events, gaps = train.rows(batch)
            inputs, targets = items[:, :-1], items[:, 1:]
            hidden = net(inputs, events[:, :-1], gaps[:, :-1])  # (B, T, C)
            real = targets > 0
            if sampled:
                loss = sampled_loss(hidden[real], targets[real] - 1, net, p.negatives, gen)
            else:
                logits = hidden[real] @ net.item_table()[1:].T  # (M, N)
                loss = F.cross_entropy(logits, targets[real] - 1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        report.epochs = epoch
        out_of_time = out_of_time or time.perf_counter() > deadline
        if epoch % p.eval_every == 0 or out_of_time or epoch == p.max_epochs:
            ndcg = validation_ndcg10(net, val_inputs, val_targets) if len(val_users) else 0.0
            elapsed = time.perf_counter() - started
            report.curve.append((epoch, round(elapsed, 1), round(ndcg, 5)))
            log.info("epoch %d  %.0f s  validation ndcg@10 %.4f", epoch, elapsed, ndcg)
            if ndcg > report.best_ndcg10 or report.best_epoch == 0:
                report.best_ndcg10, report.best_epoch = ndcg, epoch
                best_state = copy.deepcopy(net.state_dict())
                bad = 0
            else:
                bad += 1
            if bad >= p.patience:
                report.stopped = "patience"
                break
        if out_of_time:
            report.stopped = "time"
            break
    else:
        report.stopped = "max_epochs"
    net.load_state_dict(best_state)
    net.eval()
    report.seconds = round(time.perf_counter() - started, 1)
    if math.isnan(report.best_ndcg10):
        report.best_ndcg10 = 0.0
    return report
