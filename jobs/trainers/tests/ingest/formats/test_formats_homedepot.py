"""Home Depot search relevance CSVs (ISO-8859-1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopmind.errors import InputFileError
from shopmind.ingest.formats import PUBLIC_FORMATS
from shopmind.ingest.sources import ReadOptions

PRODUCTS = PUBLIC_FORMATS["homedepot"].reader("products")
JUDGEMENTS = PUBLIC_FORMATS["homedepot"].reader("judgements")
Write = Callable[[str, str | bytes], Path]
ReadAll = Callable[..., Any]

TRAIN = (
    "id,product_uid,product_title,search_term,relevance\r\n"
    "2,100001,Simpson Strong-Tie 12-Gauge Angle,angle bracket,3\r\n"
    '16,100005,"Delta Vero, Chrome",rain shower head,2.33\r\n'
    '17,100005,"Delta Vero, Chrome",shower only faucet,2.67\r\n'
    "18,100006,Caf\xe9 Table\r\n"  # 4: fields missing
    '20,100007,"Two\r\nline title",drill,1\r\n'
).encode("iso-8859-1")


def test_judgements_map_to_query_item_relevance(write: Write, read_all: ReadAll) -> None:
    result = read_all(JUDGEMENTS, write("train_dev.csv.gz", TRAIN))
    assert result.table.column_names == ["query", "item_id", "relevance"]
    assert result.table.to_pylist() == [
        {"query": "angle bracket", "item_id": "100001", "relevance": "3"},
        {"query": "rain shower head", "item_id": "100005", "relevance": "2.33"},
        {"query": "shower only faucet", "item_id": "100005", "relevance": "2.67"},
        {"query": "drill", "item_id": "100007", "relevance": "1"},
    ]
    assert result.rows == [1, 2, 3, 5]
    (bad,) = result.rejected
    assert (bad.row, bad.field, bad.raw) == (4, "_record", "18,100006,Caf\xe9 Table")


def test_products_from_judgements_are_distinct(write: Write, read_all: ReadAll) -> None:
    result = read_all(PRODUCTS, write("train_dev.csv", TRAIN))
    assert result.table.to_pylist() == [
        {"item_id": "100001", "title": "Simpson Strong-Tie 12-Gauge Angle"},
        {"item_id": "100005", "title": "Delta Vero, Chrome"},
        {"item_id": "100007", "title": "Two\r\nline title"},
    ]
    assert result.rows == [1, 2, 5]


def test_products_file_is_latin1_and_keeps_duplicates(write: Write, read_all: ReadAll) -> None:
    data = (
        'product_uid,product_title\n100001,Caf\xe9 Angle\n100002,"broken "quote",x\n100001,Again\n'
    ).encode("iso-8859-1")
    result = read_all(PRODUCTS, write("products.csv.gz", data))
    assert result.column("title") == ["Caf\xe9 Angle", "Again"]
    assert result.rows == [1, 3]
    assert [(r.row, r.field) for r in result.rejected] == [(2, "_record")]
    assert "CSV" in result.rejected[0].reason


def test_encoding_override_rejects_bad_bytes(write: Write, read_all: ReadAll) -> None:
    data = "product_uid,product_title\n1,Caf\xe9\n2,Ok\n".encode("iso-8859-1")
    result = read_all(PRODUCTS, write("products.csv", data), encoding="utf-8")
    assert result.column("item_id") == ["2"]
    assert [(r.row, r.raw) for r in result.rejected] == [(1, "1,Caf\\xe9")]


def test_judgements_need_the_query_column(write: Write) -> None:
    path = write("products.csv", "product_uid,product_title\n1,A\n")
    with pytest.raises(InputFileError, match=r"products\.csv.*search_term"):
        list(JUDGEMENTS(path, ReadOptions()))
