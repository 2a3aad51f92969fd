"""Lexical retrieval: BM25F over several product fields, precomputed as one sparse matrix.

**Scoring (BM25F).** Each field ``f`` has a weight ``w_f``. A term's frequencies are
length-normalised per field, weighted, and summed *before* saturation:

    tf~(t, d) = sum_f  w_f * tf(t, f, d) / (1 - b + b * len(f, d) / avglen(f))
    score(q, d) = sum_{t in q} qtf(t) * idf(t) * tf~(t, d) * (k1 + 1) / (k1 + tf~(t, d))
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

``df`` counts documents that have ``t`` in any indexed field, and ``avglen(f)`` averages over the
documents where field ``f`` has terms. Summing before saturation means that a term repeated in
the title and the brand does not score twice at full strength, as it would with a weighted sum of
per-field BM25 scores. A field weight acts as a term-frequency multiplier: a title match (3.0)
beats a category match (1.0), but with diminishing returns. Fields with weight 0 are not indexed.

**Storage.** Everything except ``qtf`` depends only on the document, so the build stores the
final per-(document, term) weights in a CSC matrix (documents x terms). A query then adds up a few
columns into a dense (n,) vector and :func:`~shopmind.search.base.top_k` picks the best.
Documents that match no query term score ``-inf``, so they never appear as hits.

**Typos.** A query term that is not in the vocabulary, has at least 4 letters and no digit is
replaced by up to 3 vocabulary terms (of 4+ letters, no digit) within edit distance 1 (one letter
inserted, deleted, changed, or two neighbours swapped), the most frequent first, each counted at
``typo_weight`` (0.5 by default) of a real match. Candidates come from a deletion index (every
term and each of its one-letter deletions, hashed and sorted), built on first use and checked
with an exact distance test. Model numbers and sizes are never corrected ("2x4" must not match
"2x6"). Matching runs on analysed (stemmed) terms.

**Compound words.** Two neighbouring query words that the vocabulary holds as one term ("kwik
set" -> "kwikset", "closet maid" -> "closetmaid") add that term, and a word the vocabulary
lacks that is two of its terms ("centermount" -> "center" + "mount") adds both; each counts
at ``typo_weight``, like a typo stand-in, and typo fall-back off turns these off too. On
Home Depot training queries this lifted BM25's recall@100 by about 0.01.

**Synonyms.** With a :class:`~shopmind.search.synonyms.Synonyms`, the query's analysed terms
are expanded before weighting: each expansion term counts at the synonyms' ``weight`` (0.5 by
default) of a real match, once, whatever it expands. Query terms whose synonym rule added terms
are not typo-corrected (the user wrote a known word, not a typo); expansion terms that are not
in the vocabulary are dropped silently.
"""

from __future__ import annotations

import itertools
import json
import math
import numbers
import threading
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.search.analyze import Analyzer
from shopmind.search.base import Hits, Retriever, top_k

if TYPE_CHECKING:
    from shopmind.search.synonyms import Synonyms

FORMAT = "shopmind.bm25"
FORMAT_VERSION = 1
MATRIX_FILE = "bm25.npz"
META_FILE = "bm25.json"
TYPO_MIN_LEN = 4
TYPO_MAX_CANDIDATES = 3
COMPOUND_MIN_PART = 3
# Field weights used when a caller names none; fields not listed here get 1.0.
DEFAULT_WEIGHTS = {"title": 3.0, "brand": 2.0, "category": 1.0, "attributes": 1.0}


@dataclass(frozen=True)
class BM25Params:
    """``k1``: term-frequency saturation (0 = presence only); ``b``: length normalisation."""

    k1: float = 1.2
    b: float = 0.75

    def __post_init__(self) -> None:
        if not (math.isfinite(self.k1) and self.k1 >= 0):
            raise InvalidArgument(f"k1 must be a finite number >= 0, got {self.k1}", argument="k1")
        if not 0.0 <= self.b <= 1.0:
            raise InvalidArgument(f"b must be in [0, 1], got {self.b}", argument="b")


def _check_build_args(
    fields: Mapping[str, Sequence[str | None]], weights: Mapping[str, float]
) -> int:
    """Number of documents, after checking the columns and the weights agree."""
    if not fields:
        raise InvalidArgument("fields must name at least one column", argument="fields")
    lengths = {name: len(col) for name, col in fields.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidArgument(f"fields have different lengths: {lengths}", argument="fields")
    unknown = sorted(set(weights) - set(fields))
    if unknown:
        raise InvalidArgument(f"weights name unknown fields {unknown}", argument="weights")
    for name, w in weights.items():
        if not (isinstance(w, numbers.Real) and math.isfinite(w) and w >= 0):
            raise InvalidArgument(
                f"weight of field {name!r} must be a finite number >= 0, got {w!r}",
                argument="weights",
            )
    if not any(w > 0 for w in weights.values()):
        raise InvalidArgument("weights must give some field a weight > 0", argument="weights")
    return next(iter(lengths.values()))


def _within_one_edit(a: str, b: str) -> bool:
    """Optimal-string-alignment distance <= 1: one insert, delete, change or neighbour swap."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def _deletion_keys(term: str) -> set[str]:
    return {term} | {term[:i] + term[i + 1 :] for i in range(len(term))}


def _typo_eligible(term: str) -> bool:
    return len(term) >= TYPO_MIN_LEN and term.isalpha()


class BM25Index:
    """BM25F weights of ``n_docs`` documents over a vocabulary, as a CSC matrix (docs x terms).

    Build with :meth:`build`, or read with :meth:`load`. Read-only once built, so one index can
    serve concurrent queries.
    """

    def __init__(
        self,
        matrix: sp.csc_array,
        vocabulary: list[str],
        analyzer: Analyzer,
        params: BM25Params,
        weights: Mapping[str, float],
    ) -> None:
        self.matrix = matrix
        self.vocabulary = vocabulary
        self.term_ids = {t: i for i, t in enumerate(vocabulary)}
        self.analyzer = analyzer
        self.params = params
        self.weights = {str(k): float(v) for k, v in weights.items()}
        # Raw CSC arrays: summing a few columns by slicing them is much cheaper than scipy's
        # column indexing, which builds a new sparse matrix per query.
        self._indptr: npt.NDArray[np.int64] = np.asarray(matrix.indptr, dtype=np.int64)
        self._indices: npt.NDArray[np.int32] = np.asarray(matrix.indices, dtype=np.int32)
        self._data: npt.NDArray[np.float32] = np.asarray(matrix.data, dtype=np.float32)
        self._typo_keys: npt.NDArray[np.int64] | None = None
        self._typo_ids: npt.NDArray[np.int32] | None = None
        self._typo_lock = threading.Lock()

    @property
    def n_docs(self) -> int:
        return int(self.matrix.shape[0])

    @classmethod
    def build(
        cls,
        fields: Mapping[str, Sequence[str | None]],
        weights: Mapping[str, float],
        analyzer: Analyzer | None = None,
        params: BM25Params | None = None,
    ) -> BM25Index:
        """Index the columns ``fields`` (name -> one text per document; ``None`` = empty).

        Only fields named in ``weights`` with a weight > 0 are indexed.
        """
        n = _check_build_args(fields, weights)
        analyzer = analyzer or Analyzer()
        params = params or BM25Params()
        vocab: dict[str, int] = {}
        parts: list[tuple[float, npt.NDArray[np.int32], npt.NDArray[np.int64]]] = []
        for name, weight in weights.items():
            if weight == 0:
                continue
            term_ids = array("i")
            lengths = np.zeros(n, dtype=np.int64)
            for row, text in enumerate(fields[name]):
                if text is None:
                    continue
                if not isinstance(text, str):
                    raise InvalidArgument(
                        f"fields[{name!r}][{row}] must be str or None, got {type(text).__name__}",
                        argument="fields",
                    )
                terms = analyzer.tokens(text)
                lengths[row] = len(terms)
                term_ids.extend([vocab.setdefault(t, len(vocab)) for t in terms])
            parts.append((float(weight), np.frombuffer(term_ids, dtype=np.int32), lengths))
        n_terms = len(vocab)
        total = sp.csr_array((n, n_terms), dtype=np.float64)
        for weight, term_ids_arr, lengths in parts:
            present = lengths > 0
            if not present.any():
                continue
            rows = np.repeat(np.arange(n, dtype=np.int32), lengths)
            # COO -> CSR adds up repeated (doc, term) pairs: that is the term frequency.
            tf = sp.coo_array(
                (np.ones(rows.shape[0]), (rows, term_ids_arr)), shape=(n, n_terms)
            ).tocsr()
            avg = float(lengths[present].mean())
            norm = 1.0 - params.b + params.b * lengths / avg
            doc_of_entry = np.repeat(np.arange(n), np.diff(tf.indptr))
            tf.data = weight * tf.data / norm[doc_of_entry]
            total = total + tf
        total = total.tocsc()
        total.sum_duplicates()
        df = np.diff(total.indptr)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        tfw = total.data
        term_of_entry = np.repeat(np.arange(n_terms), df)
        total.data = (idf[term_of_entry] * tfw * (params.k1 + 1.0) / (params.k1 + tfw)).astype(
            np.float32
        )
        vocabulary = [""] * n_terms
        for term, i in vocab.items():
            vocabulary[i] = term
        return cls(total, vocabulary, analyzer, params, weights)

    def term_weights(
        self, query: str, typo_weight: float = 0.5, synonyms: Synonyms | None = None
    ) -> tuple[dict[int, float], dict[str, object]]:
        """Column weights for ``query`` (term id -> query weight) and what was matched how.

        ``typo_weight`` 0 turns typo fall-back off. With ``synonyms`` the query's terms are
        expanded first (module docstring); the second value then also has ``synonyms``
        (matched term -> expansion terms found in the index) when any applied.
        """
        tokens = self.analyzer.tokens(query)
        counts = Counter(tokens)
        out: dict[int, float] = {}
        known: list[str] = []
        unknown: list[str] = []
        typos: dict[str, list[str]] = {}
        expansions: dict[str, list[str]] = {}
        expansion_weight = 0.0
        if synonyms is not None:
            if synonyms.analyzer != self.analyzer:
                synonyms = synonyms.with_analyzer(self.analyzer)
            expansions = synonyms.expansions(tokens)
            expansion_weight = synonyms.weight
        # query terms that a synonym rule expanded are known words, not typos
        covered = {t for source in expansions for t in source.split(" ")}
        for term, count in counts.items():
            tid = self.term_ids.get(term)
            if tid is not None:
                out[tid] = out.get(tid, 0.0) + count
                known.append(term)
                continue
            fixes = self.typo_candidates(term) if typo_weight > 0 and term not in covered else []
            if fixes:
                typos[term] = fixes
                for fix in fixes:
                    fid = self.term_ids[fix]
                    out[fid] = out.get(fid, 0.0) + typo_weight * count
            else:
                unknown.append(term)
        joined, split = self._compounds(tokens, [*unknown, *typos]) if typo_weight > 0 else ({}, {})
        for term in [*joined.values(), *(t for parts in split.values() for t in parts)]:
            cid = self.term_ids[term]
            out[cid] = out.get(cid, 0.0) + typo_weight
        unknown = [t for t in unknown if t not in split]
        explain: dict[str, object] = {"terms": known, "typos": typos, "unknown": unknown}
        if joined:
            explain["joined"] = joined
        if split:
            explain["split"] = split
        applied: dict[str, list[str]] = {}
        for source, added in expansions.items():
            found = [t for t in added if t in self.term_ids]
            for t in found:
                sid = self.term_ids[t]
                out[sid] = out.get(sid, 0.0) + expansion_weight
            if found:
                applied[source] = found
        if applied:
            explain["synonyms"] = applied
        return out, explain

    def _compounds(
        self, tokens: Sequence[str], misses: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Spelling variants of compound words: neighbouring query words that the catalog
        writes as one ("kwik set" -> "kwikset"), and words it does not know that are two of
        its words ("centermount" -> "center", "mount"; the split whose rarer half is the
        commonest wins). Letters only, each part at least 3 long."""
        joined: dict[str, str] = {}
        for a, b in itertools.pairwise(tokens):
            if a.isalpha() and b.isalpha() and (a + b) in self.term_ids:
                joined[f"{a} {b}"] = a + b
        split: dict[str, list[str]] = {}
        for term in misses:
            if not term.isalpha() or len(term) < 2 * COMPOUND_MIN_PART:
                continue
            best: tuple[int, int] | None = None
            for i in range(COMPOUND_MIN_PART, len(term) - COMPOUND_MIN_PART + 1):
                left, right = self.term_ids.get(term[:i]), self.term_ids.get(term[i:])
                if left is not None and right is not None:
                    support = min(self._df(left), self._df(right))
                    if best is None or support > best[0]:
                        best = (support, i)
            if best is not None:
                split[term] = [term[: best[1]], term[best[1] :]]
        return joined, split

    def _df(self, term_id: int) -> int:
        """Documents holding the term (its column's length)."""
        return int(self._indptr[term_id + 1] - self._indptr[term_id])

    def score_columns(self, weights: dict[int, float]) -> npt.NDArray[np.float32]:
        """(n,) float32: weighted sum of the given term columns; ``-inf`` where none matches."""
        scores = np.zeros(self.n_docs, dtype=np.float32)
        matched = np.zeros(self.n_docs, dtype=bool)
        for tid, w in weights.items():
            start, stop = self._indptr[tid], self._indptr[tid + 1]
            rows = self._indices[start:stop]
            # Row indices within a column are unique, so fancy-index += is a correct scatter-add.
            scores[rows] += np.float32(w) * self._data[start:stop]
            matched[rows] = True
        return np.where(matched, scores, np.float32(-np.inf)).astype(np.float32)

    def posting(self, term_id: int) -> npt.NDArray[np.int32]:
        """Rows (documents) containing the term ``term_id``, ascending."""
        return self._indices[self._indptr[term_id] : self._indptr[term_id + 1]]

    def terms_in_rows(
        self, term_ids: Sequence[int], rows: npt.NDArray[np.int64]
    ) -> list[list[str]]:
        """For each row in ``rows``, which of ``term_ids`` it contains (in the given order)."""
        pos = np.full(self.n_docs, -1, dtype=np.int64)
        pos[rows] = np.arange(rows.shape[0])
        found: list[list[str]] = [[] for _ in range(rows.shape[0])]
        for tid in term_ids:
            hit = pos[self._indices[self._indptr[tid] : self._indptr[tid + 1]]]
            for p in hit[hit >= 0].tolist():
                found[p].append(self.vocabulary[tid])
        return found

    def typo_candidates(self, term: str) -> list[str]:
        """Up to 3 vocabulary terms within edit distance 1 of an unknown ``term``, commonest
        first; none for short terms, terms with digits, or terms already in the vocabulary."""
        if term in self.term_ids or not _typo_eligible(term):
            return []
        keys, ids = self._typo_index()
        probes = np.array([hash(k) for k in _deletion_keys(term)], dtype=np.int64)
        lo = np.searchsorted(keys, probes, side="left")
        hi = np.searchsorted(keys, probes, side="right")
        cand = {int(i) for a, z in zip(lo.tolist(), hi.tolist(), strict=True) for i in ids[a:z]}
        # Hashes may collide and deletion pairs also meet at distance 2: check exactly.
        good = [i for i in cand if _within_one_edit(term, self.vocabulary[i])]
        good.sort(key=lambda i: (-self._df(i), self.vocabulary[i]))
        return [self.vocabulary[i] for i in good[:TYPO_MAX_CANDIDATES]]

    def _typo_index(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """Sorted hashes of every eligible term and its one-letter deletions, with term ids.

        Built on first use (and per process: ``hash`` of a str is salted) under a lock.
        """
        with self._typo_lock:
            if self._typo_keys is None or self._typo_ids is None:
                keys = array("q")
                ids = array("i")
                for tid, term in enumerate(self.vocabulary):
                    if _typo_eligible(term):
                        dels = _deletion_keys(term)
                        keys.extend([hash(k) for k in dels])
                        ids.extend([tid] * len(dels))
                key_arr = np.frombuffer(keys, dtype=np.int64)
                order = np.argsort(key_arr, kind="stable")
                self._typo_keys = key_arr[order]
                self._typo_ids = np.frombuffer(ids, dtype=np.int32)[order]
            return self._typo_keys, self._typo_ids

    def save(self, folder: str | Path) -> None:
        """Write ``bm25.npz`` (the CSC arrays) and ``bm25.json`` (vocabulary and settings)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(
            folder / MATRIX_FILE,
            indptr=self._indptr,
            indices=self._indices,
            data=self._data,
            shape=np.array(self.matrix.shape, dtype=np.int64),
        )
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "params": asdict(self.params),
            "analyzer": self.analyzer.options(),
            "weights": self.weights,
            "vocabulary": self.vocabulary,
        }
        (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> BM25Index:
        """Read an index written by :meth:`save`.

        ``NotFound`` if a file is missing, ``InputFileError`` if the files do not fit together.
        """
        folder = Path(folder)
        for name in (MATRIX_FILE, META_FILE):
            if not (folder / name).is_file():
                raise NotFound(f"no BM25 index file {folder / name}", path=str(folder / name))
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
                raise ValueError(f"format {meta.get('format')!r} v{meta.get('version')!r}")
            with np.load(folder / MATRIX_FILE, allow_pickle=False) as z:
                shape = tuple(int(s) for s in z["shape"])
                matrix = sp.csc_array(
                    (z["data"].astype(np.float32), z["indices"], z["indptr"]), shape=shape
                )
            vocabulary = [str(t) for t in meta["vocabulary"]]
            if shape[1] != len(vocabulary):
                raise ValueError(f"{shape[1]} matrix columns but {len(vocabulary)} terms")
            matrix.check_format(full_check=True)
            return cls(
                matrix,
                vocabulary,
                Analyzer(**meta["analyzer"]),
                BM25Params(**meta["params"]),
                {str(k): float(v) for k, v in meta["weights"].items()},
            )
        except (ValueError, KeyError, TypeError, OSError, InvalidArgument) as exc:
            raise InputFileError(
                f"unreadable BM25 index in {folder}: {exc}", path=str(folder)
            ) from exc


class LexicalRetriever(Retriever):
    """BM25F search over a :class:`BM25Index`; rows are the index's document positions.

    ``typo_weight``: weight of typo fall-back terms relative to exact ones (0 = off).
    ``synonyms``: rules that expand the query's terms (None = no expansion); they are compiled
    for the index's analyzer here, once.
    """

    name = "lexical"

    def __init__(
        self, index: BM25Index, typo_weight: float = 0.5, *, synonyms: Synonyms | None = None
    ) -> None:
        if not (math.isfinite(typo_weight) and 0.0 <= typo_weight <= 1.0):
            raise InvalidArgument(
                f"typo_weight must be in [0, 1], got {typo_weight}", argument="typo_weight"
            )
        self.index = index
        self.typo_weight = typo_weight
        self.synonyms = synonyms.with_analyzer(index.analyzer) if synonyms is not None else None

    @classmethod
    def from_columns(
        cls,
        fields: Mapping[str, Sequence[str | None]],
        weights: Mapping[str, float] | None = None,
        analyzer: Analyzer | None = None,
        params: BM25Params | None = None,
        typo_weight: float = 0.5,
        *,
        synonyms: Synonyms | None = None,
    ) -> LexicalRetriever:
        """Build the index and wrap it; ``weights`` default to :data:`DEFAULT_WEIGHTS`."""
        if weights is None:
            weights = {name: DEFAULT_WEIGHTS.get(name, 1.0) for name in fields}
        index = BM25Index.build(fields, weights, analyzer, params)
        return cls(index, typo_weight, synonyms=synonyms)

    def score_all(self, query: str) -> npt.NDArray[np.float32]:
        """(n,) BM25F scores of every document; ``-inf`` where no query term matches."""
        return self.score_and_read(query)[0]

    def score_and_read(self, query: str) -> tuple[npt.NDArray[np.float32], dict[str, object]]:
        """:meth:`score_all` and how the query was read (:meth:`BM25Index.term_weights`'
        second value: ``terms``, ``typos``, ``unknown``, and ``joined``, ``split``,
        ``synonyms`` when any applied)."""
        _check_query(query)
        weights, reading = self.index.term_weights(query, self.typo_weight, self.synonyms)
        return self.index.score_columns(weights), reading

    def search(self, query: str, k: int = 10) -> Hits:
        """The ``k`` best documents. ``explain``: ``terms`` (query terms found), ``typos``
        (unknown term -> stand-ins used), ``unknown`` (ignored terms), ``matched`` (per hit, the
        index terms it contains) and, when they applied, ``joined`` (two words -> the catalog's
        one), ``split`` (one word -> the catalog's two) and ``synonyms`` (matched term -> added
        terms)."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidArgument(f"k must be an int >= 1, got {k!r}", argument="k")
        _check_query(query)
        weights, explain = self.index.term_weights(query, self.typo_weight, self.synonyms)
        if not weights:
            return Hits.empty()
        hits = top_k(self.index.score_columns(weights), k)
        explain["matched"] = self.index.terms_in_rows(list(weights), hits.rows)
        return Hits(hits.rows, hits.scores, explain)


def _check_query(query: str) -> None:
    if not isinstance(query, str):
        raise InvalidArgument(f"query must be a str, got {type(query).__name__}", argument="query")
