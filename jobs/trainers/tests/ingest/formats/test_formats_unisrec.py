"""UniSRec atomic files: .inter sequences mapped through .item2index/.user2index, .text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopmind.errors import InputFileError
from shopmind.ingest.formats import PUBLIC_FORMATS
from shopmind.ingest.sources import ReadOptions

EVENTS = PUBLIC_FORMATS["unisrec"].reader("events")
ITEMS = PUBLIC_FORMATS["unisrec"].reader("products")
Write = Callable[[str, str | bytes], Path]
ReadAll = Callable[..., Any]
HEADER = "user_id:token\titem_id_list:token_seq\titem_id:token\n"


@pytest.fixture
def maps(write: Write) -> None:
    write("Sci.item2index", "".join(f"ASIN{c}\t{i}\n" for i, c in enumerate("abcdefg")))
    write("Sci.user2index", "U0\t0\nU1\t1\nU2\t2\n")


@pytest.mark.usefixtures("maps")
def test_test_split_lines_become_mapped_ordered_events(write: Write, read_all: ReadAll) -> None:
    text = HEADER + "0\t0 1 2\t3\n1\t4\t5\n2\t1 2\n2\t1 99\t3\n"  # 3: 2 fields; 4: unknown index
    result = read_all(EVENTS, write("Sci.test.inter", text))
    assert result.table.column_names == ["user_id", "item_id", "event_type", "timestamp"]
    assert result.column("user_id") == ["U0"] * 4 + ["U1"] * 2
    assert result.column("item_id") == ["ASINa", "ASINb", "ASINc", "ASINd", "ASINe", "ASINf"]
    assert result.column("timestamp") == [str(946_684_800 + p) for p in (0, 1, 2, 3, 0, 1)]
    assert set(result.column("event_type")) == {"purchase"}
    assert result.rows == [1, 1, 1, 1, 2, 2]
    assert [(r.row, r.field) for r in result.rejected] == [(3, "_record"), (4, "item_id")]
    assert "99" in result.rejected[1].reason


@pytest.mark.usefixtures("maps")
def test_train_prefixes_merge_into_one_sequence(write: Write, read_all: ReadAll) -> None:
    text = HEADER + "0\t0 1 2\t3\n0\t0 1\t2\n0\t0\t1\n1\t4 5\t6\n1\t5\t4\n"  # line 5 conflicts
    result = read_all(EVENTS, write("Sci.train.inter", text))
    assert result.column("item_id") == [
        "ASINa",
        "ASINb",
        "ASINc",
        "ASINd",
        "ASINe",
        "ASINf",
        "ASINg",
    ]
    assert result.rows == [1, 1, 1, 1, 4, 4, 4]
    assert [(r.row, r.field) for r in result.rejected] == [(5, "item_id_list")]


DESCENDING = "7\t13 14\t15\n7\t12 13\t14\n7\t11 12\t13\n7\t11\t12\n"
ASCENDING = "7\t11\t12\n7\t11 12\t13\n7\t12 13\t14\n7\t13 14\t15\n"


@pytest.mark.parametrize(
    ("lines", "rows"), [(DESCENDING, [3, 2, 1, 1, 1]), (ASCENDING, [1, 1, 2, 3, 4])]
)
def test_cut_histories_extend_the_sequence(
    lines: str, rows: list[int], write: Write, read_all: ReadAll
) -> None:
    # Histories cut to 2 items, as UniSRec cuts them to 50: windows slide by one item.
    result = read_all(EVENTS, write("NoMaps.train.inter", HEADER + lines))
    assert result.column("item_id") == ["11", "12", "13", "14", "15"]  # indices: no maps
    assert result.rows == rows
    assert result.column("timestamp") == [str(946_684_800 + p) for p in range(5)]
    assert result.rejected == []


def test_a_user_whose_lines_are_apart_is_rejected(write: Write, read_all: ReadAll) -> None:
    text = HEADER + "0\t1\t2\n1\t3\t4\n0\t1 2\t5\n"
    result = read_all(EVENTS, write("X.valid.inter", text))
    assert result.column("user_id") == ["0", "0", "1", "1"]
    assert [(r.row, r.field) for r in result.rejected] == [(3, "user_id")]


def test_missing_header_and_bad_map_fail_the_file(write: Write) -> None:
    with pytest.raises(InputFileError, match="item_id_list"):
        list(EVENTS(write("Y.test.inter", "user_id\titem_id\n0\t1\n"), ReadOptions()))
    write("Z.item2index", "ASINa\t0\nASINb\n")
    with pytest.raises(InputFileError, match=r"Z\.item2index.*line 2"):
        list(EVENTS(write("Z.test.inter", HEADER + "0\t0\t1\n"), ReadOptions()))


def test_text_becomes_product_titles(write: Write, read_all: ReadAll) -> None:
    text = (
        "item_id:token\ttext:token_seq\nB0000223SI\tPORTER-CABLE Roll. Industrial. "
        "PORTER-CABLE. \nB0000223SK\n\tno id\n"
    )
    result = read_all(ITEMS, write("Sci.text", text))
    assert result.table.to_pylist() == [
        {"item_id": "B0000223SI", "title": "PORTER-CABLE Roll. Industrial. PORTER-CABLE."}
    ]
    assert [(r.row, r.field) for r in result.rejected] == [(2, "_record"), (3, "item_id")]
