"""Opening input files: existence checks, gzip by magic bytes, header peeking."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, cast

import pyarrow as pa

from shopmind.errors import InputFileError, NotFound

GZIP_MAGIC = b"\x1f\x8b"


def check_file(path: Path) -> Path:
    """``path`` if it is a readable regular file; NotFound / InputFileError otherwise."""
    if not path.exists():
        raise NotFound(f"input file {path} does not exist", path=str(path))
    if not path.is_file():
        raise InputFileError(f"input path {path} is not a regular file", path=str(path))
    return path


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_stream(path: Path) -> pa.NativeFile:
    """A binary input stream, transparently decompressed when the file is gzip."""
    check_file(path)
    return pa.input_stream(str(path), compression="gzip" if is_gzip(path) else None)


def open_binary(path: Path) -> IO[bytes]:
    """The file as a Python binary stream, decompressed when it is gzip."""
    check_file(path)
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def first_line(path: Path, limit: int) -> bytes:
    """The first line of the (decompressed) file, without its newline; at most ``limit`` bytes."""
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            line: bytes = fh.readline(limit + 1)
    except (OSError, EOFError) as exc:
        raise InputFileError(f"cannot read {path}: {exc}", path=str(path)) from exc
    if len(line) > limit:
        raise InputFileError(
            f"{path}: the first line is longer than {limit} bytes (ingest_max_line_bytes); "
            "is this the right file and format?",
            path=str(path),
        )
    return line.rstrip(b"\r\n")


def sniff_format(path: Path) -> str:
    """Guess csv / tsv / jsonl / parquet from the suffixes (``.csv.gz`` counts as csv)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in {".gz", ".gzip"}]
    ext = suffixes[-1] if suffixes else ""
    known = {
        ".csv": "csv",
        ".tsv": "tsv",
        ".tab": "tsv",
        ".txt": "tsv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".json": "jsonl",
        ".parquet": "parquet",
        ".pq": "parquet",
    }
    if ext not in known:
        raise InputFileError(
            f"cannot tell the format of {path} from its name; pass --format csv|tsv|jsonl|parquet",
            path=str(path),
        )
    return known[ext]
