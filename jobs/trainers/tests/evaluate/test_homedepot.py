"""Home Depot loaders on tiny files written here, the stable split, and the real files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from filetools import DATASETS
from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.evaluate import (
    Judgement,
    group_judgements,
    load_judgement_rows,
    load_products,
    load_queries,
    query_bucket,
    split_queries,
)

DATASET = DATASETS / "homedepot_search_relevance"

PRODUCTS = b'product_uid,product_title\n100001,Caf\xe9 table\n100002,"Lamp, 2-pack"\n'
JUDGEMENTS = (
    b"id,product_uid,product_title,search_term,relevance\n"
    b"2,100001,Caf\xe9 table,caf\xe9 table,3\n"
    b'3,100002,"Lamp, 2-pack",caf\xe9 table,1.33\n'
    b'4,100002,"Lamp, 2-pack",lamp ,2.67\n'
)


def write_gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as f:
        f.write(data)
    return path


def test_load_products_from_gzip_latin1(tmp_path: Path) -> None:
    table = load_products(write_gz(tmp_path / "products.csv.gz", PRODUCTS))
    assert table.schema == pa.schema([("item_id", pa.string()), ("title", pa.string())])
    assert table.to_pydict() == {
        "item_id": ["100001", "100002"],
        "title": ["Café table", "Lamp, 2-pack"],
    }


def test_load_products_plain_file_and_judgements_file(tmp_path: Path) -> None:
    plain = tmp_path / "products.csv"
    plain.write_bytes(PRODUCTS)
    assert load_products(plain).num_rows == 2
    # A judgements file lists 100002 twice; it becomes one product.
    table = load_products(write_gz(tmp_path / "train.csv.gz", JUDGEMENTS))
    assert table["item_id"].to_pylist() == ["100001", "100002"]


def test_load_judgements_rows_and_queries(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "train_dev.csv.gz", JUDGEMENTS)
    assert load_judgement_rows(path) == [
        Judgement("café table", "100001", 3.0),
        Judgement("café table", "100002", 1.33),
        Judgement("lamp", "100002", 2.67),
    ]
    assert load_queries(path) == {
        "café table": {"100001": 3.0, "100002": 1.33},
        "lamp": {"100002": 2.67},
    }


def test_group_judgements_averages_a_repeated_pair() -> None:
    rows = [Judgement("q", "a", 3.0), Judgement("q", "a", 2.0), Judgement("r", "a", 1.0)]
    assert group_judgements(rows) == {"q": {"a": 2.5}, "r": {"a": 1.0}}


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_products(tmp_path / "absent.csv.gz")
    with pytest.raises(NotFound):
        load_queries(tmp_path)


def test_wrong_columns_are_named(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "p.csv.gz", b"product_uid,name\n1,x\n")
    with pytest.raises(InputFileError, match="product_title") as info:
        load_products(path)
    assert info.value.details["missing"] == ["product_title"]
    path = write_gz(tmp_path / "j.csv.gz", b"id,product_uid,query_text\n1,2,x\n")
    with pytest.raises(InputFileError, match="search_term, relevance") as info:
        load_queries(path)
    assert info.value.details["missing"] == ["search_term", "relevance"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"product_uid,search_term,relevance\n1,q,high\n",
        b"product_uid,search_term,relevance\n1,q\n",
        b"product_uid,search_term,relevance\n,q,3\n",
        b"\x1f\x8bnot really gzip",
    ],
    ids=["empty", "relevance not a number", "short record", "empty id", "corrupt gzip"],
)
def test_malformed_files_raise_input_file_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "j.csv"
    path.write_bytes(data)
    with pytest.raises(InputFileError):
        load_queries(path)


def test_canonical_column_names_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_bytes(b"query,item_id,relevance\nlamp,7,2\n")
    assert load_queries(path) == {"lamp": {"7": 2.0}}


def test_split_is_deterministic_disjoint_and_whole() -> None:
    judgements = {f"query {i}": {str(i): 3.0} for i in range(1000)}
    train, test = split_queries(judgements, test_fraction=0.2, seed=0)
    assert (train, test) == split_queries(judgements, test_fraction=0.2, seed=0)
    assert not set(train) & set(test)
    assert set(train) | set(test) == set(judgements)
    assert 150 < len(test) < 250
    assert split_queries(judgements, seed=1)[1] != test


def test_split_hashes_the_lower_cased_query_with_a_fixed_hash() -> None:
    # Pinned, so a change of hash (which would move queries between train and test) shows.
    assert query_bucket("angle bracket") == pytest.approx(0.4180696451569605)
    assert query_bucket("Angle Bracket") == query_bucket("angle bracket")
    # A query's side does not depend on the other queries.
    alone = split_queries({"Angle Bracket": 1}, test_fraction=0.5)
    assert alone == ({}, {"Angle Bracket": 1})  # 0.418 < 0.5


def test_split_fraction_bounds() -> None:
    judgements = {"a": 1, "b": 2}
    assert split_queries(judgements, test_fraction=0.0) == (judgements, {})
    assert split_queries(judgements, test_fraction=1.0) == ({}, judgements)
    with pytest.raises(InvalidArgument):
        split_queries(judgements, test_fraction=1.5)


@pytest.mark.integration
def test_real_files_load() -> None:
    if not DATASET.is_dir():
        pytest.skip(f"{DATASET} is absent")
    products = load_products(DATASET / "products.csv.gz")
    assert products.num_rows == 54_667
    assert len(set(products["item_id"].to_pylist())) == 54_667
    rows = load_judgement_rows(DATASET / "train_dev.csv.gz")
    assert len(rows) == 51_651
    queries = group_judgements(rows)
    assert len(queries) == 8_234
    assert sum(len(items) for items in queries.values()) == 51_651
    assert all(1.0 <= r.relevance <= 3.0 for r in rows)
