"""Readers for the public sequential-recommendation files the recommend bench scores on.

* S3-Rec style (``--sequences``): one user per line, ``user item item ...``, oldest first, with
  an optional titles TSV (``s3rec_item_id, asin, title``).
* SeqRecBenchmark style (``--interactions``): TSV ``user_id, item_id, timestamp`` sorted by user
  then time, and ``items.tsv(.gz)`` with ``item_id, title``.

Both give :class:`~shopmind.recommend.data.Interactions` over the items that occur, plus titles
(``""`` when unknown) aligned with the catalog.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np

from shopmind.errors import InputFileError
from shopmind.recommend.data import Catalog, Interactions


def _open_text(path: Path) -> io.TextIOBase:
    if not path.exists():
        raise InputFileError(f"{path} does not exist", path=str(path))
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def read_titles(path: Path, id_column: str, title_column: str = "title") -> dict[str, str]:
    """``{item id: title}`` from a TSV with a header naming ``id_column`` and ``title_column``."""
    with _open_text(path) as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        cols = reader.fieldnames or []
        if id_column not in cols or title_column not in cols:
            raise InputFileError(
                f"{path} needs columns {id_column!r} and {title_column!r}, has {cols}",
                path=str(path),
            )
        return {row[id_column]: row[title_column] or "" for row in reader}


def read_sequences(path: Path) -> tuple[Interactions, list[str]]:
    """Read an S3-Rec one-line-per-user file; item ids stay as written (strings)."""
    users: list[str] = []
    raw: list[list[str]] = []
    with _open_text(path) as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2:
                raise InputFileError(f"{path}:{line_no}: a user with no items", path=str(path))
            users.append(parts[0])
            raw.append(parts[1:])
    return _build(users, raw, None)


def read_interactions(path: Path) -> tuple[Interactions, list[str]]:
    """Read a ``user_id, item_id, timestamp`` TSV (sorted by user, then time)."""
    by_user: dict[str, tuple[list[str], list[int]]] = {}
    with _open_text(path) as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader, None)
        if header is None or header[:2] != ["user_id", "item_id"]:
            raise InputFileError(
                f"{path} must start with a header 'user_id<TAB>item_id[<TAB>timestamp]'",
                path=str(path),
            )
        has_time = len(header) > 2 and header[2] == "timestamp"
        for line_no, row in enumerate(reader, 2):
            if len(row) < 2:
                raise InputFileError(f"{path}:{line_no}: fewer than 2 columns", path=str(path))
            items, times = by_user.setdefault(row[0], ([], []))
            items.append(row[1])
            try:
                times.append(int(float(row[2])) if has_time else -1)
            except ValueError:
                raise InputFileError(
                    f"{path}:{line_no}: timestamp {row[2]!r} is not a number", path=str(path)
                ) from None
    users = list(by_user)
    seqs = [by_user[u][0] for u in users]
    stamps = [by_user[u][1] for u in users] if by_user else None
    return _build(users, seqs, stamps)


def _build(
    users: list[str], raw: list[list[str]], times: list[list[int]] | None
) -> tuple[Interactions, list[str]]:
    ids = sorted({i for seq in raw for i in seq}, key=lambda x: (len(x), x))
    catalog = Catalog(ids=tuple(ids))
    index = {item: n for n, item in enumerate(ids)}
    seqs = [[index[i] for i in seq] for seq in raw]
    data = Interactions.from_sequences(catalog, seqs, users, times=times)
    return data, list(ids)


def with_vectors(data: Interactions, vectors: np.ndarray) -> Interactions:
    """The same interactions over a catalog that carries the items' text vectors."""
    c = data.catalog
    catalog = Catalog(c.ids, c.category, c.brand, c.in_stock, vectors.astype(np.float32))
    return Interactions(catalog, data.users, data.offsets, data.items, data.events, data.times)
