"""Written files: formats, byte-for-byte determinism, streaming, planted malformed rows."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shopmind.contracts.tables import EVENT_TYPES, EVENTS, JUDGEMENTS, PRODUCTS, USERS
from shopmind.errors import InvalidArgument
from shopmind.synth import GroundTruth, SynthConfig, write_shop
from shopmind.synth.events import EventStream
from shopmind.synth.shop import build_world

Row = dict[str, object]


def files_of(result: dict[str, object]) -> dict[str, Path]:
    """The ``files`` entry of a write_shop result as paths."""
    files = result["files"]
    assert isinstance(files, dict)
    return {k: Path(v) for k, v in files.items()}


def _read(path: Path, fmt: str) -> tuple[list[str], list[list[str]] | list[Row]]:
    if fmt == "parquet":
        table = pq.read_table(path)
        return table.column_names, table.to_pylist()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            rows = list(csv.reader(f))
            return rows[0], rows[1:]
        records = [json.loads(line) for line in f]
        return list(records[0]), records


def _bad_price(value: object) -> str | None:
    if value in (None, ""):
        return None
    try:
        price = float(value)  # type: ignore[arg-type]
    except ValueError:
        return "unparseable_price"
    return "negative_price" if price < 0 else None


def _bad_timestamp(value: object) -> str | None:
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            return "unparseable_timestamp"
    return "future_timestamp" if when.year >= 2999 else None


def _defect(kind: str, header: list[str], row: list[str] | Row) -> str | None:
    """The one defect a row shows, judged from the file alone (None: a clean row)."""
    if isinstance(row, list):
        if len(row) != len(header):
            return "wrong_column_count"
        row = dict(zip(header, row, strict=True))
    if kind == "events":
        if row["event_type"] not in EVENT_TYPES:
            return "unknown_event_type"
        if bad := _bad_timestamp(row["timestamp"]):
            return bad
    if bad := _bad_price(row["price"]):
        return bad
    if row["item_id"] == "" and row.get("event_type") != "search":
        return "empty_item_id"
    return None


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("kind", ["products", "events"])
def test_manifest_matches_the_defects_in_the_file(
    written: dict[str, dict[str, object]], fmt: str, kind: str
) -> None:
    result = written[fmt]
    header, rows = _read(files_of(result)[kind], fmt)
    found: dict[str, list[int]] = {}
    for number, row in enumerate(rows, start=1):
        if defect := _defect(kind, header, row):
            found.setdefault(defect, []).append(number)
    manifest = result["malformed"][kind]  # type: ignore[index]
    planted = {k: v for k, v in manifest["rows"].items() if v}
    assert found == planted
    assert manifest["rows_written"] == len(rows)
    assert manifest["malformed"] == sum(len(v) for v in found.values()) > 0
    if fmt == "parquet":
        assert "unparseable_price" not in manifest["counts"]
    if fmt == "csv" and kind == "events":
        assert set(planted) == {
            "negative_price",
            "unparseable_price",
            "future_timestamp",
            "unparseable_timestamp",
            "unknown_event_type",
            "empty_item_id",
            "wrong_column_count",
        }


def test_manifest_is_saved_with_the_truth(written: dict[str, dict[str, object]]) -> None:
    saved = GroundTruth.load(files_of(written["csv"])["truth"])
    assert saved.malformed == written["csv"]["malformed"]


def test_clean_config_plants_nothing(tmp_path: Path) -> None:
    result = write_shop(SynthConfig.tiny(n_events=300), tmp_path, fmt="csv")
    header, rows = _read(files_of(result)["events"], "csv")
    assert not any(_defect("events", header, r) for r in rows)
    assert result["malformed"]["events"]["malformed"] == 0  # type: ignore[index]


def test_csv_uses_canonical_headers_json_attributes_and_utc_timestamps(
    written: dict[str, dict[str, object]],
) -> None:
    files = files_of(written["csv"])
    expected = {"products": PRODUCTS, "users": USERS, "events": EVENTS, "queries": JUDGEMENTS}
    for name, contract in expected.items():
        header, _ = _read(files[name], "csv")
        assert header == list(contract.names), name
    header, rows = _read(files["products"], "csv")
    clean = [dict(zip(header, r, strict=True)) for r in rows if len(r) == len(header)]
    assert all(isinstance(json.loads(str(r["attributes"])), dict) for r in clean)
    header, rows = _read(files["users"], "csv")
    stamp = str(rows[0][header.index("signup_at")])
    assert stamp.endswith("Z") and "T" in stamp
    counts = written["csv"]["counts"]
    assert counts["events"] == 3_000 and counts["products"] == 120  # type: ignore[index]


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(("fmt", "gz"), [("csv", True), ("jsonl", False), ("parquet", False)])
def test_same_seed_writes_identical_bytes(tmp_path: Path, fmt: str, gz: bool) -> None:
    config = SynthConfig.tiny(seed=3, n_events=1_500, malformed_fraction=0.02)
    write_shop(config, tmp_path / "a", fmt=fmt, gzip=gz)
    write_shop(config, tmp_path / "b", fmt=fmt, gzip=gz)
    write_shop(SynthConfig.tiny(seed=4, n_events=1_500), tmp_path / "c", fmt=fmt, gzip=gz)
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b and len(a) == 9
    assert a[f"events.{fmt}{'.gz' if gz else ''}"] != c[f"events.{fmt}{'.gz' if gz else ''}"]


def test_events_stream_in_chunks_of_the_requested_size() -> None:
    config = SynthConfig.tiny(n_events=5_000)
    stream = build_world(config).events
    sizes = [t.num_rows for t in stream.chunks(1_200)]
    assert sizes == [1_200, 1_200, 1_200, 1_200, 200]
    assert isinstance(stream, EventStream)
    again = [t.num_rows for t in stream.chunks(1_200)]
    assert again == sizes  # a second pass starts over


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_streaming_writer_writes_every_event_across_chunks(tmp_path: Path, fmt: str) -> None:
    config = SynthConfig.tiny(n_events=7_777)
    result = write_shop(config, tmp_path, fmt=fmt, chunk_events=1_000)
    header, rows = _read(files_of(result)["events"], fmt)
    assert len(rows) == 7_777 == result["counts"]["events"]  # type: ignore[index]
    sid = header.index("session_id") if fmt == "csv" else None
    uid = header.index("user_id") if fmt == "csv" else None
    owners: dict[object, set[object]] = {}
    for r in rows:
        s, u = (r[sid], r[uid]) if isinstance(r, list) else (r["session_id"], r["user_id"])
        owners.setdefault(s, set()).add(u)
    # Session ids keep counting across chunks instead of restarting.
    assert all(len(v) == 1 for v in owners.values()) and len(owners) > 1_000


def test_truth_round_trips_through_its_folder(written: dict[str, dict[str, object]]) -> None:
    folder = files_of(written["csv"])["truth"]
    loaded = GroundTruth.load(folder)
    fresh = build_world(SynthConfig.tiny(seed=5, malformed_fraction=0.05)).truth
    assert loaded.user_ids == fresh.user_ids and loaded.item_ids == fresh.item_ids
    assert [q.to_dict() for q in loaded.queries] == [q.to_dict() for q in fresh.queries]
    assert all(
        math.isclose(a, b) for a, b in zip(loaded.taste.ravel(), fresh.taste.ravel(), strict=True)
    )
    user = fresh.user_ids[3]
    assert loaded.preferred_category(user) == fresh.preferred_category(user)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as err:
        write_shop(SynthConfig.tiny(), tmp_path, fmt="xlsx")
    assert err.value.details["argument"] == "fmt"
