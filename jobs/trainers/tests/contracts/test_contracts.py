from __future__ import annotations

import pytest

from shopmind.contracts import CONTRACTS, contract_for
from shopmind.errors import ContractError, InvalidArgument
from shopmind.ingest.mapping import map_columns, parse_map_options


def test_canonical_field_names_match_the_design() -> None:
    assert contract_for("products").names == (
        "item_id",
        "title",
        "description",
        "brand",
        "category",
        "price",
        "currency",
        "stock",
        "attributes",
        "image_url",
        "language",
    )
    assert contract_for("events").names == (
        "user_id",
        "session_id",
        "item_id",
        "event_type",
        "timestamp",
        "query",
        "price",
        "quantity",
    )
    assert contract_for("queries").names == ("query", "item_id", "relevance")


def test_unknown_kind_names_the_choices() -> None:
    with pytest.raises(InvalidArgument, match="expected one of"):
        contract_for("orders")


def test_pii_tags() -> None:
    tags = contract_for("events").tags()
    assert "pii" in tags["user_id"]
    assert "free_text" in tags["query"]


@pytest.mark.parametrize(
    ("kind", "columns", "expected"),
    [
        ("products", ["Product ID", "Name", "Price"], {"item_id": "Product ID", "title": "Name"}),
        ("products", ["product_uid", "product_title"], {"item_id": "product_uid"}),
        # a specific alias beats the generic "id"
        ("products", ["id", "product_uid", "product_title"], {"item_id": "product_uid"}),
        (
            "judgements",
            ["id", "product_uid", "search_term", "relevance"],
            {"query": "search_term", "item_id": "product_uid"},
        ),
        (
            "events",
            ["visitorid", "itemid", "event", "ts"],
            {"user_id": "visitorid", "event_type": "event", "timestamp": "ts"},
        ),
    ],
)
def test_aliases(kind: str, columns: list[str], expected: dict[str, str]) -> None:
    m = map_columns(CONTRACTS[contract_for(kind).kind], columns)
    for field, src in expected.items():
        assert m.fields[field] == src


def test_missing_required_column_names_field_and_columns() -> None:
    with pytest.raises(ContractError, match=r"title.*columns sku, price"):
        map_columns(contract_for("products"), ["sku", "price"])


def test_explicit_map_wins_and_is_checked() -> None:
    m = map_columns(
        contract_for("products"),
        ["code", "label"],
        parse_map_options(["code=item_id", "label=title"]),
    )
    assert m.fields == {"item_id": "code", "title": "label"}
    with pytest.raises(InvalidArgument, match="no column 'nope'"):
        map_columns(contract_for("products"), ["code"], {"item_id": "nope"})
    with pytest.raises(InvalidArgument, match="not a field"):
        map_columns(contract_for("products"), ["code"], {"colour": "code"})
    with pytest.raises(InvalidArgument, match="SRC=FIELD"):
        parse_map_options(["code"])
