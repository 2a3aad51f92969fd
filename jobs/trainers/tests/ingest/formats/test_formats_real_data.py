"""The public-format readers on the real files under ../shared/datasets (SHOPMIND_DATASETS).

Counts come from each folder's README. Skipped where the datasets are not mounted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from filetools import DATASETS
from shopmind.ingest.formats import PUBLIC_FORMATS

DATA = DATASETS
ReadAll = Callable[..., Any]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"datasets not present at {DATA}"),
]


def _distinct(values: list[str | None]) -> int:
    return len(set(values))


@pytest.mark.parametrize(
    ("name", "users", "items", "events"),
    [
        ("Beauty", 22_363, 12_101, 198_502),
        ("Sports_and_Outdoors", 35_598, 18_357, 296_337),
        ("Toys_and_Games", 19_412, 11_924, 167_597),
    ],
)
def test_s3rec_sequences(name: str, users: int, items: int, events: int, read_all: ReadAll) -> None:
    folder = DATA / "amazon_s3rec_beauty_sports_toys"
    result = read_all(PUBLIC_FORMATS["s3rec"].reader("events"), folder / f"{name}.txt")
    assert result.rejected == []
    assert result.table.num_rows == events
    assert _distinct(result.column("user_id")) == users
    assert _distinct(result.column("item_id")) == items
    assert _distinct(result.rows) == users


def test_s3rec_beauty_titles(read_all: ReadAll) -> None:
    path = DATA / "amazon_s3rec_beauty_sports_toys" / "Beauty_item_titles.tsv"
    result = read_all(PUBLIC_FORMATS["s3rec"].reader("products"), path)
    assert result.rejected == [] and result.table.num_rows == 12_101
    assert sum(t is not None for t in result.column("title")) == 12_086


@pytest.mark.parametrize(
    ("folder", "users", "items", "events", "event_type"),
    [
        ("amazon_titles_seqrecbench/amazon2014-beauty", 22_332, 12_086, 198_215, "purchase"),
        ("amazon_titles_seqrecbench/amazon2014-toy", 19_124, 11_758, 165_247, "purchase"),
        ("amazon_titles_seqrecbench/amazon2014-clothing", 39_230, 22_948, 277_534, "purchase"),
        (
            "amazon_titles_seqrecbench/amazon2014-electronic_1000000",
            28_566,
            15_743,
            241_198,
            "purchase",
        ),
        ("amazon_titles_seqrecbench/amazon2014-book_1000000", 38_234, 38_519, 517_167, "purchase"),
        (
            "amazon_titles_seqrecbench/amazon2018-electronic_1000000",
            43_462,
            23_133,
            374_989,
            "purchase",
        ),
        ("amazon_titles_seqrecbench/amazon2018-game", 50_597, 16_874, 453_637, "purchase"),
        ("yoochoose_seqrecbench/yoochoose-buys", 43_107, 4_659, 292_230, "purchase"),
        ("yoochoose_seqrecbench/yoochoose-clicks_100000", 17_744, 5_630, 145_716, "view"),
    ],
)
def test_seqrec_interactions(
    folder: str, users: int, items: int, events: int, event_type: str, read_all: ReadAll
) -> None:
    fmt = PUBLIC_FORMATS["seqrec"]
    result = read_all(fmt.reader("events"), DATA / folder / "interactions.tsv.gz")
    assert result.rejected == []
    assert result.table.num_rows == events
    assert _distinct(result.column("user_id")) == users
    assert _distinct(result.column("item_id")) == items
    assert set(result.column("event_type")) == {event_type}
    if (DATA / folder / "items.tsv.gz").exists():
        products = read_all(fmt.reader("products"), DATA / folder / "items.tsv.gz")
        assert products.rejected == [] and products.table.num_rows == items
        assert None not in products.column("title")


def test_unisrec_scientific(read_all: ReadAll) -> None:
    folder = DATA / "amazon2018_scientific_unisrec"
    reader = PUBLIC_FORMATS["unisrec"].reader("events")
    train = read_all(reader, folder / "Scientific.train.inter")
    test = read_all(reader, folder / "Scientific.test.inter")
    assert train.rejected == [] and test.rejected == []
    assert _distinct(test.column("user_id")) == 8_442
    # train holds every prefix up to the item before the valid one; +2 per user = UniSRec's
    # 59,427. test.inter alone cuts histories to 50, losing a few early items.
    assert train.table.num_rows + 2 * 8_442 == 59_427
    assert 59_000 < test.table.num_rows <= 59_427
    products = read_all(PUBLIC_FORMATS["unisrec"].reader("products"), folder / "Scientific.text")
    assert products.rejected == [] and products.table.num_rows == 4_385
    assert set(test.column("item_id")) <= set(products.column("item_id"))


def test_movielens(read_all: ReadAll) -> None:
    fmt = PUBLIC_FORMATS["movielens"]
    ml100k = read_all(fmt.reader("events"), DATA / "movielens/ml-100k_recbole/ml-100k.inter")
    assert ml100k.rejected == [] and ml100k.table.num_rows == 100_000
    assert _distinct(ml100k.column("user_id")) == 943
    assert _distinct(ml100k.column("item_id")) == 1_682
    items = read_all(fmt.reader("products"), DATA / "movielens/ml-100k_recbole/ml-100k.item")
    assert items.rejected == [] and items.table.num_rows == 1_682
    ml1m = read_all(fmt.reader("events"), DATA / "movielens/ml-1m_seqrecbench/interactions.tsv.gz")
    assert ml1m.rejected == [] and ml1m.table.num_rows == 999_611
    assert _distinct(ml1m.column("user_id")) == 6_040
    assert _distinct(ml1m.column("item_id")) == 3_416


def test_homedepot(read_all: ReadAll) -> None:
    folder = DATA / "homedepot_search_relevance"
    fmt = PUBLIC_FORMATS["homedepot"]
    products = read_all(fmt.reader("products"), folder / "products.csv.gz")
    assert products.rejected == [] and products.table.num_rows == 54_667
    judged = read_all(fmt.reader("judgements"), folder / "train_dev.csv.gz")
    assert judged.rejected == [] and judged.table.num_rows == 51_651
    assert _distinct(judged.column("query")) == 8_234
    judged_products = read_all(fmt.reader("products"), folder / "train_dev.csv.gz")
    assert judged_products.table.num_rows == _distinct(judged.column("item_id"))
    assert set(judged.column("item_id")) <= set(products.column("item_id"))
