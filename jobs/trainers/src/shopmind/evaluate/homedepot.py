"""Loaders for the Home Depot search relevance files (Kaggle 2016) and a stable query split.

Files are CSV in ISO-8859-1, gzip-compressed or not (told apart by the gzip magic bytes, not by
the file name):
- products: ``product_uid, product_title`` -> a table ``(item_id, title)``.
- judgements: ``id, product_uid, product_title, search_term, relevance`` -> ``(query, item_id,
  relevance)`` rows, or ``{query: {item_id: relevance}}``.
The canonical names (``item_id``, ``title``, ``query``) are accepted in place of the Home Depot
ones, so a file written with the project's field names loads too. Item ids stay text, as in the
``products`` contract. These loaders are for evaluation data, which must be whole: a malformed
record raises :class:`~shopmind.errors.InputFileError` instead of being quarantined.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

import pyarrow as pa

from shopmind.errors import InputFileError, InvalidArgument, NotFound

ENCODING = "iso-8859-1"
_GZIP_MAGIC = b"\x1f\x8b"

# Each wanted column: (canonical name, the names it may have in a file, Home Depot's first).
_PRODUCT_COLUMNS = (("item_id", ("product_uid", "item_id")), ("title", ("product_title", "title")))
_JUDGEMENT_COLUMNS = (
    ("query", ("search_term", "query")),
    ("item_id", ("product_uid", "item_id")),
    ("relevance", ("relevance",)),
)

_V = TypeVar("_V")


class Judgement(NamedTuple):
    """One judged (query, product) pair; ``relevance`` is 1 (irrelevant) to 3 (highly)."""

    query: str
    item_id: str
    relevance: float


@contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    # newline="" because csv handles line ends itself (a quoted title may hold one).
    if not path.exists():
        raise NotFound(f"{path}: no such file", path=str(path))
    if not path.is_file():
        raise NotFound(f"{path}: not a file", path=str(path))
    try:
        with path.open("rb") as raw:
            if raw.read(2) == _GZIP_MAGIC:
                raw.seek(0)
                with gzip.open(raw, "rt", encoding=ENCODING, newline="") as text:
                    yield text
            else:
                raw.seek(0)
                with io.TextIOWrapper(raw, encoding=ENCODING, newline="") as text:
                    yield text
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError; EOFError: truncated
        raise InputFileError(f"{path}: cannot read: {exc}", path=str(path)) from exc


def _records(
    path: Path, columns: Sequence[tuple[str, Sequence[str]]]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {canonical column: stripped text}) of each record of a CSV file."""
    with _open_text(path) as text:
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InputFileError(f"{path}: empty file, expected a header", path=str(path))
            names = [name.lstrip("\ufeff").strip().lower() for name in header]
            where: dict[str, int] = {}
            missing: list[str] = []
            for canonical, aliases in columns:
                found = next((names.index(a) for a in aliases if a in names), None)
                if found is None:
                    missing.append(aliases[0])
                else:
                    where[canonical] = found
            if missing:
                raise InputFileError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"found {', '.join(names) or 'none'}",
                    path=str(path),
                    missing=missing,
                    found=names,
                )
            for fields in reader:
                if not fields:  # a blank line, e.g. a trailing one
                    continue
                if len(fields) != len(names):
                    raise InputFileError(
                        f"{path}, line {reader.line_num}: expected {len(names)} fields, "
                        f"found {len(fields)}",
                        path=str(path),
                        line=reader.line_num,
                    )
                yield reader.line_num, {c: fields[i].strip() for c, i in where.items()}
        except csv.Error as exc:
            raise InputFileError(
                f"{path}, line {reader.line_num}: malformed CSV: {exc}",
                path=str(path),
                line=reader.line_num,
            ) from exc


def _required(path: Path, line: int, record: dict[str, str], name: str) -> str:
    value = record[name]
    if not value:
        raise InputFileError(f"{path}, line {line}: empty {name}", path=str(path), line=line)
    return value


def load_products(path: str | Path) -> pa.Table:
    """The products of a Home Depot ``products.csv[.gz]`` as a table ``(item_id, title)``.

    Both columns are strings. A product listed again keeps its first title, so a judgements
    file (which repeats each product under every query) also works as a source.
    Raises :class:`NotFound` for a missing file and :class:`InputFileError` for missing columns
    (named in the message and in ``details["missing"]``) or a malformed record.
    """
    path = Path(path)
    ids: list[str] = []
    titles: list[str] = []
    seen: set[str] = set()
    for line, record in _records(path, _PRODUCT_COLUMNS):
        item = _required(path, line, record, "item_id")
        if item in seen:
            continue
        seen.add(item)
        ids.append(item)
        titles.append(record["title"])
    return pa.table({"item_id": pa.array(ids, pa.string()), "title": pa.array(titles, pa.string())})


def load_judgement_rows(path: str | Path) -> list[Judgement]:
    """The ``(query, item_id, relevance)`` rows of a Home Depot ``train_dev.csv[.gz]``, in order.

    Queries are kept as written, apart from surrounding spaces. Errors as :func:`load_products`;
    a relevance that is not a finite number is a malformed record.
    """
    path = Path(path)
    rows: list[Judgement] = []
    for line, record in _records(path, _JUDGEMENT_COLUMNS):
        query = _required(path, line, record, "query")
        item = _required(path, line, record, "item_id")
        text = _required(path, line, record, "relevance")
        try:
            relevance = float(text)
        except ValueError:
            relevance = math.nan
        if not math.isfinite(relevance):
            raise InputFileError(
                f"{path}, line {line}: relevance {text!r} is not a finite number",
                path=str(path),
                line=line,
            )
        rows.append(Judgement(query, item, relevance))
    return rows


def group_judgements(rows: Sequence[Judgement]) -> dict[str, dict[str, float]]:
    """``{query: {item_id: relevance}}`` of judgement rows, queries in first-seen order.

    A (query, product) pair judged more than once gets the mean of its relevances (each is
    already a mean of ratings); the Home Depot file has no such repeats.
    """
    sums: dict[str, dict[str, list[float]]] = {}
    for query, item, relevance in rows:
        sums.setdefault(query, {}).setdefault(item, []).append(relevance)
    return {
        query: {item: sum(values) / len(values) for item, values in items.items()}
        for query, items in sums.items()
    }


def load_queries(path: str | Path) -> dict[str, dict[str, float]]:
    """``{query: {item_id: relevance}}`` of a judgements file: :func:`load_judgement_rows`,
    grouped by :func:`group_judgements`."""
    return group_judgements(load_judgement_rows(path))


def query_bucket(query: str, seed: int = 0) -> float:
    """A number in [0, 1) fixed by ``seed`` and the lower-cased ``query``.

    BLAKE2b rather than :func:`hash`, which Python salts per process: the same query must land
    on the same side of a split on every run and machine. Lower-casing keeps spellings that
    differ only in case together.
    """
    digest = hashlib.blake2b(f"{seed}\x00{query.lower()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def split_queries(
    judgements: Mapping[str, _V], test_fraction: float = 0.2, seed: int = 0
) -> tuple[dict[str, _V], dict[str, _V]]:
    """``(train, test)``: each query goes to test when ``query_bucket(query, seed) <
    test_fraction``.

    Deterministic (no random state), disjoint, and a query's side does not depend on which
    other queries are present, so a grown judgement set keeps earlier test queries in test.
    The test share is ``test_fraction`` in expectation, not exactly.
    """
    if not 0.0 <= test_fraction <= 1.0:
        raise InvalidArgument(
            f"test_fraction must be within [0, 1], got {test_fraction}",
            test_fraction=test_fraction,
        )
    train: dict[str, _V] = {}
    test: dict[str, _V] = {}
    for query, value in judgements.items():
        (test if query_bucket(query, seed) < test_fraction else train)[query] = value
    return train, test
