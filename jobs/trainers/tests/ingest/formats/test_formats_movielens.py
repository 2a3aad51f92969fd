"""MovieLens: RecBole atomic ml-100k files and the SeqRecBenchmark ml-1m TSVs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shopmind.ingest.formats import PUBLIC_FORMATS

EVENTS = PUBLIC_FORMATS["movielens"].reader("events")
ITEMS = PUBLIC_FORMATS["movielens"].reader("products")
Write = Callable[[str, str | bytes], Path]
ReadAll = Callable[..., Any]


def test_recbole_ratings_become_view_events(write: Write, read_all: ReadAll) -> None:
    text = (
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        "196\t242\t3\t881250949\n186\t302\t3\t891717742.0\n22\t377\t1\tyesterday\n"
        "244\t51\t2\t880606923\n"
    )
    result = read_all(EVENTS, write("ml-100k.inter", text))
    assert result.table.to_pylist() == [
        {"user_id": "196", "item_id": "242", "event_type": "view", "timestamp": "881250949"},
        {"user_id": "186", "item_id": "302", "event_type": "view", "timestamp": "891717742"},
        {"user_id": "244", "item_id": "51", "event_type": "view", "timestamp": "880606923"},
    ]
    assert result.rows == [1, 2, 4]
    assert [(r.row, r.field) for r in result.rejected] == [(3, "timestamp")]


def test_recbole_items_give_category_and_attributes(write: Write, read_all: ReadAll) -> None:
    text = (
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "1\tToy Story\t1995\tAnimation Children's Comedy\n2\tGoldenEye\t1995\n"
        "267\tunknown\t\t\n"
    )
    result = read_all(ITEMS, write("ml-100k.item", text))
    assert result.table.column_names == ["item_id", "title", "category", "attributes"]
    assert result.table.to_pylist() == [
        {
            "item_id": "1",
            "title": "Toy Story",
            "category": "Animation",
            "attributes": '{"genres":"Animation Children\'s Comedy","release_year":"1995"}',
        },
        {"item_id": "267", "title": "unknown", "category": None, "attributes": None},
    ]
    assert result.rows == [1, 3]
    assert [(r.row, r.field) for r in result.rejected] == [(2, "_record")]


def test_seqrec_ml1m_files_read_through_movielens(write: Write, read_all: ReadAll) -> None:
    events = write(
        "ml-1m/interactions.tsv.gz",
        "user_id\titem_id\ttimestamp\n100\t2857\t978300019\n100\t1168\t978300055\n100\n",
    )
    result = read_all(EVENTS, events)
    assert result.column("item_id") == ["2857", "1168"]
    assert set(result.column("event_type")) == {"view"}
    assert [r.row for r in result.rejected] == [3]
    items = write("ml-1m/items.tsv.gz", "item_id\ttitle\n100\tToy Story\n101\tJumanji\n")
    assert read_all(ITEMS, items).column("title") == ["Toy Story", "Jumanji"]
