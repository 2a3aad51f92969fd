from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from filetools import write
from shopmind.config import Settings
from shopmind.errors import ContractError, InputFileError, NotFound
from shopmind.ingest import ingest_file, quarantine_of
from shopmind.workspace import Workspace

PRODUCTS = (
    "product_id,name,Price,brand,category,color,stock\n"
    "P1,Red  Shoe,$19.99,Acme,Shoes>Running,red,3\n"
    "P2,Blue Shirt,abc,Acme,Clothes,blue,1\n"
    "P3,,5,X,Y,z,1\n"
    'P4,Ｔｅａ　Ｃｕｐ,"1,299.50",B,Home > Kitchen,white,2\n'
    "P1,Red Shoe,$18.99,Acme,Shoes>Running,red,3\n"
    "P5,too,many,fields,here,x,y,z\n"
    "P6,Neg,-3,A,B,c,1\n"
    "P7,茶杯 白色,¥35,C,家居 > 厨房,white,0\n"
)

EVENTS = (
    "user_id,session_id,item_id,event_type,timestamp,query,price,quantity\n"
    "u1,s1,P1,view,2026-01-01T10:00:00Z,,,\n"
    "u1,s1,P1,pv,2026-01-01T13:00:00+02:00,,,\n"
    "u1,s1,,search,1767261600,red shoe,,\n"
    "u1,s1,P4,purchase,1767261600000,,1299.5,2\n"
    "u2,s2,P9,click,2026-01-02 08:00:00,,,\n"
    "u2,s2,P1,teleport,2026-01-02T08:00:00Z,,,\n"
    "u2,s2,P1,view,2999-01-01T00:00:00Z,,,\n"
    "u2,s2,P1,view,yesterday,,,\n"
    "u2,s2,,view,2026-01-02T08:00:00Z,,,\n"
    "u2,s2,,search,2026-01-02T08:00:00Z,,,\n"
    "u2,s2,P1,purchase,2026-01-02T09:00:00Z,,5,0\n"
    "u1,s1,P1,view,2026-01-01T10:00:00Z,,,\n"
)


def _rows(ws: Workspace, spec: str) -> list[dict[str, object]]:
    return ws.read_table(ws.resolve(spec)).to_pylist()


def _quarantine(ws: Workspace, spec: str) -> list[dict[str, object]]:
    return ws.read_table(quarantine_of(ws, ws.resolve(spec))).to_pylist()


@pytest.fixture
def products_csv(tmp_path: Path) -> Path:
    return write(tmp_path / "products.csv", PRODUCTS)


def test_products_accepted_quarantined_and_reconciled(
    ws: Workspace, settings: Settings, products_csv: Path
) -> None:
    r = ingest_file(ws, "products", products_csv, settings)
    assert (r.asset, r.quarantine_asset) == ("products@1", "products.quarantine@1")
    assert r.input_rows == 8 == r.accepted + r.quarantined
    assert r.accepted == 3
    q = {row["row"]: row for row in _quarantine(ws, "products")}
    assert q[1]["check"] == "superseded" and "row 5 wins" in str(q[1]["reason"])
    assert q[2]["field"] == "price" and q[2]["check"] == "not_a_number"
    assert json.loads(str(q[2]["raw"]))["Price"] == "abc"
    assert q[3]["field"] == "title" and q[3]["check"] == "missing"
    assert q[6]["check"] == "bad_record" and q[6]["raw"] == "P5,too,many,fields,here,x,y,z"
    assert q[7]["check"] == "out_of_range"
    assert r.quarantine_by_check == {
        "superseded": 1,
        "not_a_number": 1,
        "missing": 1,
        "bad_record": 1,
        "out_of_range": 1,
    }


def test_products_are_normalised(ws: Workspace, settings: Settings, products_csv: Path) -> None:
    ingest_file(ws, "products", products_csv, settings)
    rows = {r["item_id"]: r for r in _rows(ws, "products")}
    assert rows["P1"]["title"] == "Red Shoe"  # whitespace folded
    assert rows["P1"]["price"] == 18.99  # last row wins
    assert rows["P1"]["category"] == "Shoes > Running"  # path separator normalised
    assert json.loads(str(rows["P1"]["attributes"])) == {"color": "red"}  # extra column folded
    assert rows["P4"]["title"] == "Tea Cup"  # NFKC: full-width letters and space
    assert rows["P4"]["price"] == 1299.5  # thousands separator
    assert rows["P7"]["currency"] == "CNY" and rows["P7"]["price"] == 35.0
    assert rows["P7"]["language"] == "zh" and rows["P1"]["language"] == "en"
    assert rows["P1"]["currency"] == "USD"
    assert list(rows) == ["P4", "P1", "P7"]  # file order of the kept rows


def test_events_rules(
    ws: Workspace, settings: Settings, tmp_path: Path, products_csv: Path
) -> None:
    ingest_file(ws, "products", products_csv, settings)
    r = ingest_file(ws, "events", write(tmp_path / "events.csv", EVENTS), settings)
    assert r.input_rows == 12 == r.accepted + r.quarantined
    q = {row["row"]: (row["field"], row["check"]) for row in _quarantine(ws, "events")}
    assert q == {
        6: ("event_type", "unknown_value"),
        7: ("timestamp", "future_timestamp"),
        8: ("timestamp", "bad_timestamp"),
        9: ("item_id", "missing"),
        10: ("query", "missing"),
        11: ("quantity", "out_of_range"),
        12: ("user_id+session_id+item_id+event_type+timestamp+query", "duplicate"),
    }
    rows = _rows(ws, "events")
    assert [e["event_type"] for e in rows] == ["view", "view", "search", "purchase", "click"]
    # all timestamps are UTC; +02:00 and epoch seconds / milliseconds are understood
    stamps = [e["timestamp"].isoformat() for e in rows]  # type: ignore[union-attr]
    assert stamps[:4] == [
        "2026-01-01T10:00:00+00:00",
        "2026-01-01T11:00:00+00:00",
        "2026-01-01T10:00:00+00:00",
        "2026-01-01T10:00:00+00:00",
    ]
    # P9 is not in the catalog: flagged (default), not dropped
    assert r.references["unknown_item_rows"] == 1
    assert r.references["unknown_item_sample"] == ["P9"]
    assert ws.get("events").inputs == (ws.get("products").ref,)


def test_unknown_items_can_be_quarantined(
    ws: Workspace, settings: Settings, tmp_path: Path, products_csv: Path
) -> None:
    from dataclasses import replace

    strict = replace(settings, ingest_unknown_items="quarantine")
    ingest_file(ws, "products", products_csv, strict)
    r = ingest_file(ws, "events", write(tmp_path / "events.csv", EVENTS), strict)
    assert r.quarantine_by_check.get("unknown_item") == 1
    assert r.accepted + r.quarantined == r.input_rows


def test_reingest_creates_version_with_diff(
    ws: Workspace, settings: Settings, tmp_path: Path
) -> None:
    a = write(tmp_path / "a.csv", "sku,title,price\n1,One,1\n2,Two,2\n3,Three,3\n")
    b = write(tmp_path / "b.csv", "sku,title,price\n1,One,1\n2,Two v2,2\n4,Four,4\n")
    ingest_file(ws, "products", a, settings)
    r = ingest_file(ws, "products", b, settings)
    assert r.asset == "products@2"
    assert r.diff is not None
    assert {k: r.diff[k] for k in ("added", "changed", "removed", "unchanged")} == {
        "added": 1,
        "changed": 1,
        "removed": 1,
        "unchanged": 1,
    }
    assert r.diff["changed_sample"] == ["2"]
    assert ws.get("products", 1).rows == 3  # the old version is untouched


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "parquet", "csv.gz", "jsonl.gz"])
def test_formats(ws: Workspace, settings: Settings, tmp_path: Path, fmt: str) -> None:
    rows = [
        {"item_id": "A", "title": "Alpha", "price": "2.5", "attributes": {"size": "M"}},
        {"item_id": "B", "title": "Beta", "price": "-1"},
        {"item_id": "C", "title": "Gamma", "price": "7"},
    ]
    base = fmt.removesuffix(".gz")
    path = tmp_path / f"p.{fmt}"
    if base == "parquet":
        pq.write_table(
            pa.Table.from_pylist(
                [{**r, "attributes": json.dumps(r.get("attributes"))} for r in rows]
            ),
            path,
        )
    else:
        if base == "jsonl":
            text = "\n".join(json.dumps(r) for r in rows) + "\n{not json}\n"
        else:
            text = "item_id\ttitle\tprice\nA\tAlpha\t2.5\nB\tBeta\t-1\nC\tGamma\t7\n"
        data = text.encode()
        path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)
    r = ingest_file(ws, "products", path, settings)
    assert r.input_rows == r.accepted + r.quarantined
    assert r.accepted == 2
    assert "out_of_range" in r.quarantine_by_check
    if base == "jsonl":
        assert r.quarantine_by_check["bad_record"] == 1
        assert json.loads(str(_rows(ws, "products")[0]["attributes"])) == {"size": "M"}


def test_parquet_with_native_types(ws: Workspace, settings: Settings, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tmp_path / "e.parquet"
    pq.write_table(
        pa.table(
            {
                "user_id": ["u1", "u2"],
                "item_id": ["A", "B"],
                "event_type": ["view", "purchase"],
                "timestamp": pa.array(
                    [
                        datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC),
                        datetime(2026, 1, 2, tzinfo=UTC),
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
                "price": pa.array([None, 9.5]),
                "quantity": pa.array([None, 2], pa.int32()),
                "session_id": pa.array([b"s1", b"\xff"], pa.binary()),
            }
        ),
        path,
    )
    r = ingest_file(ws, "events", path, settings)
    assert (r.accepted, r.quarantine_by_check) == (1, {"broken_encoding": 1})
    (row,) = _rows(ws, "events")
    assert row["timestamp"].isoformat() == "2026-01-01T10:00:00.123456+00:00"  # type: ignore[union-attr]


def test_column_map_option(ws: Workspace, settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "code,label\nX1,Thing\n")
    r = ingest_file(
        ws, "products", path, settings, column_map={"item_id": "code", "title": "label"}
    )
    assert r.accepted == 1 and r.mapping == {"item_id": "code", "title": "label"}


def test_broken_encoding_row_is_quarantined(
    ws: Workspace, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "p.csv", b"item_id,title\nA,ok\nB,caf\xe9\nC,fine\n")
    r = ingest_file(ws, "products", path, settings)
    assert (r.accepted, r.quarantined) == (2, 1)
    (row,) = _quarantine(ws, "products")
    assert row["row"] == 2 and row["check"] == "broken_encoding" and row["field"] == "title"
    assert "\\xe9" in str(row["raw"])


@pytest.mark.parametrize("block", [64, 1 << 20])
def test_wrong_width_row_with_broken_bytes_mid_file(
    ws: Workspace, settings: Settings, tmp_path: Path, block: int
) -> None:
    # Arrow's parser cannot report such a row; the reader carries on from the last record it
    # yielded with Python's csv module. Small blocks make that happen mid-file.
    from dataclasses import replace

    lines = [b"item_id,title"] + [b"I%02d,title %d" % (i, i) for i in range(1, 51)]
    lines[37] = b"I37,bad,\x88row"
    path = write(tmp_path / "p.csv", b"\n".join(lines) + b"\n")
    r = ingest_file(ws, "products", path, replace(settings, ingest_max_line_bytes=block))
    assert (r.input_rows, r.accepted, r.quarantined) == (50, 49, 1)
    (row,) = _quarantine(ws, "products")
    assert (row["row"], row["check"]) == (37, "bad_record")
    assert "\\x88" in str(row["raw"])
    ids = [x["item_id"] for x in _rows(ws, "products")]
    assert ids == [f"I{i:02d}" for i in range(1, 51) if i != 37]


def test_latin1_with_encoding_option(ws: Workspace, settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "item_id,title\nA,café\n".encode("latin-1"))
    r = ingest_file(ws, "products", path, settings, encoding="latin-1")
    assert r.accepted == 1
    assert _rows(ws, "products")[0]["title"] == "café"


def test_judgements(ws: Workspace, settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path / "j.csv",
        "id,product_uid,search_term,relevance\n"
        "1,100,angle bracket,3\n2,101,angle bracket,2.33\n3,102,x,high\n"
        "4,100,angle bracket,2\n",
    )
    r = ingest_file(ws, "queries", path, settings)
    assert r.asset == "judgements@1"
    assert (r.accepted, r.quarantine_by_check) == (2, {"not_a_number": 1, "superseded": 1})


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (None, NotFound, "does not exist"),
        ("", InputFileError, "empty"),
        ("sku,price\n1,2\n", ContractError, "title"),
        (b"item_id,t\xe9tle\nA,b\n", InputFileError, "not valid UTF-8"),
        ("item_id,title\nA," + "x" * 3000 + "\n", InputFileError, "longer than"),
        ("item_id,title,title\nA,b,c\n", InputFileError, "repeats"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", InputFileError, "not valid UTF-8"),
        (
            gzip.compress(
                b"item_id,title\n"
                + b"".join(b"A%d,t%d\n" % (i, i * 7919 % 10007) for i in range(5000))
            )[:3000],
            InputFileError,
            "bad.csv",
        ),
    ],
)
def test_file_level_errors_leave_workspace_unchanged(
    ws: Workspace,
    settings: Settings,
    tmp_path: Path,
    content: str | bytes | None,
    error: type[Exception],
    match: str,
) -> None:
    from dataclasses import replace

    path = tmp_path / "bad.csv"
    if content is not None:
        write(path, content)
    small = replace(settings, ingest_max_line_bytes=1024)
    with pytest.raises(error, match=match):
        ingest_file(ws, "products", path, small)
    assert ws.versions() == []
    assert list((ws.root / "staging").iterdir()) == []


def test_truncated_gzip_jsonl_is_a_clear_error(
    ws: Workspace, settings: Settings, tmp_path: Path
) -> None:
    body = b"".join(
        b'{"item_id": "A%d", "title": "t%d"}\n' % (i, i * 7919 % 10007) for i in range(5000)
    )
    path = write(tmp_path / "p.jsonl.gz", gzip.compress(body)[:3000])
    with pytest.raises(InputFileError, match="cannot read"):
        ingest_file(ws, "products", path, settings)
    assert ws.versions() == []


def test_garbage_parquet_is_a_clear_error(
    ws: Workspace, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(InputFileError, match="not a readable Parquet file"):
        ingest_file(ws, "products", write(tmp_path / "p.parquet", "garbage"), settings)
    assert ws.versions() == []
