"""S3-Rec one-line-per-user sequences and item titles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopmind.errors import InputFileError
from shopmind.ingest.formats import PUBLIC_FORMATS
from shopmind.ingest.sources import ReadOptions

EVENTS = PUBLIC_FORMATS["s3rec"].reader("events")
ITEMS = PUBLIC_FORMATS["s3rec"].reader("products")
Write = Callable[[str, str | bytes], Path]
ReadAll = Callable[..., Any]

SEQUENCES = "1 1 2 3\n2 4 1\n3 5 x 6\n4\n5 3 2 1 2\n"  # line 3: bad id; line 4: no items


def test_sequences_become_ordered_events(write: Write, read_all: ReadAll) -> None:
    result = read_all(EVENTS, write("Beauty.txt", SEQUENCES))
    assert result.table.column_names == ["user_id", "item_id", "event_type", "timestamp"]
    assert result.column("user_id") == ["1"] * 3 + ["2"] * 2 + ["5"] * 4
    assert result.column("item_id") == ["1", "2", "3", "4", "1", "3", "2", "1", "2"]
    assert set(result.column("event_type")) == {"purchase"}
    assert result.rows == [1, 1, 1, 2, 2, 5, 5, 5, 5]
    assert [(r.row, r.field) for r in result.rejected] == [(3, "item_id"), (4, "_record")]
    assert result.rejected[0].raw == "3 5 x 6"


def test_synthetic_timestamps_increase_within_each_user(write: Write, read_all: ReadAll) -> None:
    result = read_all(EVENTS, write("Beauty.txt", SEQUENCES))
    stamps: dict[str, list[int]] = {}
    for user, stamp in zip(result.column("user_id"), result.column("timestamp"), strict=True):
        stamps.setdefault(user, []).append(int(stamp))
    for values in stamps.values():
        assert values == list(range(values[0], values[0] + len(values)))
    assert stamps["1"][0] == stamps["5"][0] == 946_684_800  # same base for every user


def test_a_sequence_never_splits_across_chunks_in_the_wrong_order(
    write: Write, read_all: ReadAll
) -> None:
    result = read_all(EVENTS, write("Beauty.txt", SEQUENCES), chunk_rows=2)
    assert result.chunks > 1
    assert result.column("item_id") == ["1", "2", "3", "4", "1", "3", "2", "1", "2"]


@pytest.mark.parametrize("first", ["user_id\titem_id\ttimestamp", "user items"])
def test_a_header_or_tsv_is_not_this_format(first: str, write: Write) -> None:
    path = write("Beauty.txt", f"{first}\n1 2 3\n")
    with pytest.raises(InputFileError, match=r"Beauty\.txt"):
        list(EVENTS(path, ReadOptions()))


def test_titles_become_products_with_asin(write: Write, read_all: ReadAll) -> None:
    text = (
        "s3rec_item_id\tasin\ttitle\n1\tB004756YJA\tOPI Nail Lacquer, 0.5-Fluid Ounce\n"
        "2\tB001DJ2USM\t\nB00\t3\tswapped\n4\tB00X\n"
    )
    result = read_all(ITEMS, write("Beauty_item_titles.tsv", text))
    assert result.table.column_names == ["item_id", "title", "attributes"]
    assert result.table.to_pylist() == [
        {
            "item_id": "1",
            "title": "OPI Nail Lacquer, 0.5-Fluid Ounce",
            "attributes": '{"asin":"B004756YJA"}',
        },
        {"item_id": "2", "title": None, "attributes": '{"asin":"B001DJ2USM"}'},
    ]
    assert [(r.row, r.field) for r in result.rejected] == [(3, "item_id"), (4, "_record")]


def test_products_from_a_sequence_file_fail(write: Write) -> None:
    with pytest.raises(InputFileError, match="title"):
        list(ITEMS(write("Beauty.txt", SEQUENCES), ReadOptions()))
