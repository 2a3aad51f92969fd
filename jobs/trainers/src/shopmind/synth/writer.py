"""Write a synthetic shop to files, streaming events so memory stays flat at any size.

Layout under ``out_dir``: products.<ext>, users.<ext>, events.<ext>, queries.<ext>
(judgements: query, item_id, relevance) and truth/. Same config, same bytes: gzip headers
carry no time or name, and nothing depends on the clock or the machine.
"""

from __future__ import annotations

import gzip as gzip_module
from collections.abc import Iterable
from io import BufferedIOBase
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from shopmind.errors import InvalidArgument
from shopmind.synth.config import SynthConfig
from shopmind.synth.corrupt import WRONG_COLUMN_COUNT, Corruptor
from shopmind.synth.events import DEFAULT_CHUNK_EVENTS
from shopmind.synth.shop import build_world
from shopmind.synth.textfmt import csv_bytes, csv_header, jsonl_bytes, to_text

FORMATS = ("csv", "jsonl", "parquet")
_ROWS_PER_SLICE = 100_000  # products, users and judgements are written in slices this big
_NUMERIC = frozenset({"price", "stock", "quantity", "relevance"})
_RAW_JSON = frozenset({"attributes"})


class _Sink:
    """One output file in one format; tables go in chunk by chunk."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        gzip: bool,
        schema: pa.Schema,
        corruptor: Corruptor | None = None,
    ) -> None:
        self.path, self.fmt, self.rows = path, fmt, 0
        self.corruptor = corruptor
        self._parquet: pq.ParquetWriter | None = None
        self._raw: BufferedIOBase | None = None
        self._out: BufferedIOBase | None = None
        if fmt == "parquet":
            self._parquet = pq.ParquetWriter(path, schema, compression="gzip" if gzip else "snappy")
            return
        raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        # mtime=0 and no file name in the gzip header: same config, same bytes.
        out: BufferedIOBase = (
            gzip_module.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
            if gzip
            else raw
        )
        if fmt == "csv":
            out.write(csv_header(schema.names))
        self._raw, self._out = raw, out

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (canonical schema), planting defects if this file has a corruptor."""
        plan = self.corruptor.plan(table) if self.corruptor else {}
        self.rows += table.num_rows
        if self._parquet is not None:
            if self.corruptor:
                table = self.corruptor.apply(table, plan)
            self._parquet.write_table(table)
            return
        assert self._out is not None
        text = to_text(table)
        if self.corruptor:
            text = self.corruptor.apply(text, plan)
        if self.fmt == "csv":
            self._out.write(csv_bytes(text, plan.get(WRONG_COLUMN_COUNT)))
        else:
            self._out.write(jsonl_bytes(text, _NUMERIC, _RAW_JSON))

    def close(self) -> None:
        """Flush and close the file."""
        if self._parquet is not None:
            self._parquet.close()
        if self._out is not None and self._out is not self._raw:
            self._out.close()
        if self._raw is not None:
            self._raw.close()


def _slices(table: pa.Table) -> Iterable[pa.Table]:
    for start in range(0, max(table.num_rows, 1), _ROWS_PER_SLICE):
        yield table.slice(start, _ROWS_PER_SLICE)


def write_shop(
    config: SynthConfig,
    out_dir: str | Path,
    fmt: str = "csv",
    gzip: bool = False,
    chunk_events: int = DEFAULT_CHUNK_EVENTS,
) -> dict[str, object]:
    """Write the shop of ``config`` under ``out_dir`` as ``fmt`` (csv, jsonl or parquet).

    ``gzip`` compresses text files (``.csv.gz``) and selects gzip inside Parquet. Returns
    ``{"format", "dir", "files": {table: path}, "counts": {table: rows}, "malformed": manifest}``
    where the manifest, per corrupted file, gives rows written, defect counts and the 1-based
    data row numbers of each defect (also saved as truth/malformed.json).
    """
    if fmt not in FORMATS:
        raise InvalidArgument(
            f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}", argument="fmt"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(config)
    ext = fmt + (".gz" if gzip and fmt != "parquet" else "")
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    manifest: dict[str, object] = {}

    def write(name: str, schema: pa.Schema, parts: Iterable[pa.Table]) -> None:
        """Write one table; products and events get their planted defects."""
        corrupt = name in ("products", "events")
        c = Corruptor(config.seed, name, fmt, config.malformed_fraction) if corrupt else None
        file_key = "queries" if name == "judgements" else name  # the CLI's name for the file
        files[file_key] = str(out / f"{file_key}.{ext}")
        s = _Sink(out / f"{file_key}.{ext}", fmt, gzip, schema, c)
        try:
            for part in parts:
                s.write(part)
        finally:
            s.close()
        counts[name] = s.rows
        if c is not None:
            manifest[name] = c.tally.to_dict()

    for name, table in (
        ("products", world.catalog.table()),
        ("users", world.users.table()),
        ("judgements", world.queries.table(world.catalog)),
    ):
        write(name, table.schema, _slices(table))
    counts["queries"] = len(world.queries.specs)
    write("events", world.events.schema, world.events.chunks(chunk_events))

    world.truth.malformed = manifest
    world.truth.save(out / "truth")
    files["truth"] = str(out / "truth")
    return {
        "format": fmt,
        "gzip": gzip,
        "dir": str(out),
        "files": files,
        "counts": counts,
        "malformed": manifest,
    }
