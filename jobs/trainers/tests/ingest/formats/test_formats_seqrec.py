"""SeqRecBenchmark TSVs, and the line handling every text reader shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopmind.errors import InputFileError
from shopmind.ingest.formats import PUBLIC_FORMATS
from shopmind.ingest.sources import ReadOptions

EVENTS = PUBLIC_FORMATS["seqrec"].reader("events")
ITEMS = PUBLIC_FORMATS["seqrec"].reader("products")
Write = Callable[[str, str | bytes], Path]
ReadAll = Callable[..., Any]

INTERACTIONS = (
    "user_id\titem_id\ttimestamp\n"
    "100\t7\t1405296000\n"
    "100\t9\t1405382400\n"
    "100\t8\n"  # 3: a field short
    "101\tx9\t1405296000\n"  # 4: item id not an integer
    "101\t7\t14053.5\n"  # 5: not an epoch
    "101\t8\t1405296000\n"
)


def test_interactions_become_purchase_events(write: Write, read_all: ReadAll) -> None:
    result = read_all(EVENTS, write("amazon2014-beauty/interactions.tsv.gz", INTERACTIONS))
    assert result.table.column_names == ["user_id", "item_id", "event_type", "timestamp"]
    assert result.column("user_id") == ["100", "100", "101"]
    assert result.column("item_id") == ["7", "9", "8"]
    assert result.column("timestamp") == ["1405296000", "1405382400", "1405296000"]
    assert set(result.column("event_type")) == {"purchase"}
    assert result.rows == [1, 2, 6]
    assert [(r.row, r.field) for r in result.rejected] == [
        (3, "_record"),
        (4, "item_id"),
        (5, "timestamp"),
    ]
    assert result.rejected[0].raw == "100\t8" and "3" in result.rejected[0].reason


def test_click_and_movielens_folders_give_views(write: Write, read_all: ReadAll) -> None:
    for folder in ("yoochoose-clicks_100000", "ml-1m_seqrecbench"):
        path = write(
            f"{folder}/interactions.tsv", "user_id\titem_id\ttimestamp\n1\t2\t1396720544263\n"
        )
        result = read_all(EVENTS, path)
        assert result.column("event_type") == ["view"]
        assert result.column("timestamp") == ["1396720544263"]  # milliseconds kept as given
    override = PUBLIC_FORMATS["seqrec"].reader("events", event_type="click")
    assert read_all(override, path).column("event_type") == ["click"]


def test_chunks_respect_chunk_rows_and_keep_order(write: Write, read_all: ReadAll) -> None:
    body = "".join(f"{u}\t{i}\t{1000 + i}\r\n" for u in range(3) for i in range(4))
    result = read_all(
        EVENTS, write("i.tsv", "user_id\titem_id\ttimestamp\r\n" + body), chunk_rows=5
    )
    assert result.chunks == 3
    assert result.rows == list(range(1, 13))
    assert result.column("timestamp")[:4] == ["1000", "1001", "1002", "1003"]


def test_columns_are_found_by_name(write: Write, read_all: ReadAll) -> None:
    path = write("i.tsv", "timestamp\tuser_id\titem_id\n5\t1\t2\n")
    assert read_all(EVENTS, path).table.to_pylist() == [
        {"user_id": "1", "item_id": "2", "event_type": "purchase", "timestamp": "5"}
    ]


def test_missing_header_column_fails_the_file(write: Write) -> None:
    path = write("interactions.tsv", "user_id\titem_id\n1\t2\n")
    with pytest.raises(InputFileError, match=r"interactions\.tsv.*timestamp"):
        list(EVENTS(path, ReadOptions()))


def test_bad_bytes_and_long_lines_cost_one_record(write: Write, read_all: ReadAll) -> None:
    data = b"user_id\titem_id\ttimestamp\n1\t2\t3\n1\t\xff\t4\n1\t" + b"9" * 300 + b"\t5\n1\t4\t6\n"
    result = read_all(EVENTS, write("i.tsv", data), max_line_bytes=100)
    assert result.rows == [1, 4]
    bad, long = result.rejected
    assert (bad.row, bad.field, bad.raw) == (2, "_record", "1\t\\xff\t4")
    assert "utf-8" in bad.reason
    assert long.row == 3 and "max_line_bytes" in long.reason and long.raw.startswith("1\t999")


def test_header_only_gives_one_empty_chunk(write: Write, read_all: ReadAll) -> None:
    result = read_all(EVENTS, write("i.tsv", "user_id\titem_id\ttimestamp\n"))
    assert result.table.num_rows == 0 and result.chunks == 1
    assert result.table.column_names == ["user_id", "item_id", "event_type", "timestamp"]


def test_corrupt_gzip_fails_the_file(write: Write) -> None:
    path = write("i.tsv.gz", "user_id\titem_id\ttimestamp\n" * 50)
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(InputFileError, match=r"i\.tsv\.gz"):
        list(EVENTS(path, ReadOptions()))


def test_items_become_products(write: Write, read_all: ReadAll) -> None:
    text = 'item_id\ttitle\n100\tWAWO 15 "Color" Palette\n101\nabc\tNo id\n102\t\n103\tGel 1oz.\n'
    result = read_all(ITEMS, write("items.tsv.gz", text))
    assert result.table.column_names == ["item_id", "title"]
    assert result.table.to_pylist() == [
        {"item_id": "100", "title": 'WAWO 15 "Color" Palette'},
        {"item_id": "102", "title": None},
        {"item_id": "103", "title": "Gel 1oz."},
    ]
    assert result.rows == [1, 4, 5]
    assert [(r.row, r.field) for r in result.rejected] == [(2, "_record"), (3, "item_id")]


def test_rejects_alone_also_fill_chunks(write: Write, read_all: ReadAll) -> None:
    data = b"user_id\titem_id\ttimestamp\n" + b"\xff\n" * 5 + b"a\tb\n" * 5
    result = read_all(EVENTS, write("i.tsv", data), chunk_rows=2)
    assert result.table.num_rows == 0 and result.chunks >= 5
    assert [r.row for r in result.rejected] == list(range(1, 11))
