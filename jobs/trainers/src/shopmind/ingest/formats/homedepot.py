"""Home Depot search relevance CSVs (Kaggle 2016): products and graded query judgements.

The files are ISO-8859-1, so that is the default encoding here (``ReadOptions.encoding``
overrides it); ``options.delimiter`` is ignored, the format fixes the comma. Records are
CSV records, so a quoted title may span lines; record numbers count records, header
excluded, and a rejected record's ``raw`` holds all of its lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from shopmind.ingest.formats._common import RECORD, ChunkBuilder, TextSource, column_index
from shopmind.ingest.sources import Reader, ReadOptions, SourceChunk

ENCODING = "iso-8859-1"


class _Feed:
    """Hands lines to :mod:`csv` and remembers those of the current record and their faults."""

    def __init__(self, lines: Iterator[tuple[str, str | None]]) -> None:
        self._lines = lines
        self.taken: list[str] = []
        self.problem: str | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        text, problem = next(self._lines)
        self.taken.append(text)
        if problem is not None and self.problem is None:
            self.problem = problem
        return text

    def start(self) -> None:
        """Forget the previous record's lines."""
        self.taken.clear()
        self.problem = None

    @property
    def raw(self) -> str:
        """The current record as found, without its final line end."""
        return "".join(self.taken).rstrip("\r\n")


def _records(src: TextSource, out: ChunkBuilder) -> Iterator[tuple[int, list[str] | None, str]]:
    # The header as record 0, then (number, fields, raw) of each record; one that cannot be
    # parsed (bad quoting, bad bytes) goes to ``out`` as a reject and comes with fields None.
    feed = _Feed(src.lines())
    reader = csv.reader(feed, strict=True)
    number = -1
    while True:
        feed.start()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            if number == 0:
                raise src.fail(f"unreadable CSV header: {exc}") from exc
            out.reject(number, feed.raw, RECORD, f"malformed CSV: {exc}")
            yield number, None, feed.raw
            continue
        number += 1
        if feed.problem is not None:
            if number == 0:
                raise src.fail(f"unreadable header line: {feed.problem}")
            out.reject(number, feed.raw, RECORD, feed.problem)
            yield number, None, feed.raw
            continue
        yield number, fields, feed.raw


def homedepot_reader(kind: str) -> Reader:
    """A reader of Home Depot CSVs producing ``kind`` columns (``products`` or ``judgements``).

    ``judgements``: ``search_term`` -> query, ``product_uid`` -> item_id, ``relevance`` as
    written (validation checks the number). ``products``: ``product_uid`` -> item_id,
    ``product_title`` -> title, from ``products.csv`` or from a judgements file; in the latter
    each product appears under many queries and only its first record makes a product row.
    """
    wanted = (
        ("search_term", "product_uid", "relevance")
        if kind == "judgements"
        else ("product_uid", "product_title")
    )
    columns = ("query", "item_id", "relevance") if kind == "judgements" else ("item_id", "title")

    def read(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
        with TextSource(path, options, default_encoding=ENCODING, keep_ends=True) as src:
            out = ChunkBuilder(columns, options.chunk_rows)
            records = _records(src, out)
            header = next((fields for _, fields, _ in records), None)
            if header is None:
                raise src.fail("file is empty, expected a header line")
            header = [name.lstrip("\ufeff").strip() for name in header]
            where = [column_index(src, header, wanted)[name] for name in wanted]
            # Only a judgements file repeats products; a repeat in products.csv is left for
            # validation to report as a duplicate key.
            dedupe = kind == "products" and "search_term" in header
            seen: set[str] = set()
            lists = [out.data[name] for name in columns]
            width = len(header)
            for number, fields, raw in records:
                if out.full:
                    yield out.flush()
                if fields is None:
                    continue
                if len(fields) != width:
                    out.reject(
                        number,
                        raw,
                        RECORD,
                        f"expected {width} comma-separated fields, found {len(fields)}",
                    )
                elif not dedupe or fields[where[0]] not in seen:
                    if dedupe:
                        seen.add(fields[where[0]])
                    for values, at in zip(lists, where, strict=True):
                        values.append(fields[at].strip() or None)
                    out.rows.append(number)
            yield from out.tail()

    return read
