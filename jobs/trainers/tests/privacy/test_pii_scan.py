"""Personal data counted per free-text column, and recorded in an ingested version's profile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from filetools import write
from shopmind.config import Settings
from shopmind.ingest import ingest_file
from shopmind.privacy.scan import pii_counts
from shopmind.workspace import Workspace


def test_counts_per_column_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    texts = [
        "mail me: jo.doe+shop@mail.example.com or call (415) 555-0132",
        "drill 2x4 1/2 in. SKU12345678, order 4929123456781235",
        None,
        "电话 +86 138 1234 5678，卡号 4111 1111 1111 1111",
        "no numbers here",
    ]
    pq.write_table(pa.table({"query": texts, "n": [1, 2, 3, 4, 5]}), path)
    counts = pii_counts(path, ["query", "missing"])
    assert counts == {"query": {"email": 1, "phone": 2, "card": 1, "rows": 2}}


def test_ingest_records_pii_counts_in_the_quality_profile(
    tmp_path: Path, ws: Workspace, settings: Settings
) -> None:
    csv = write(
        tmp_path / "e.csv",
        "user_id,event_type,timestamp,query\n"
        "u1,search,2026-01-01T00:00:00,cordless drill\n"
        "u2,search,2026-01-01T00:01:00,call me 13812345678\n",
    )
    ingest_file(ws, "events", csv, settings)
    quality = ws.get("events").quality
    # queries are what users type: masked at ingest by default, and the profile says what
    assert quality["pii"]["query"] == {"email": 0, "phone": 1, "card": 0, "rows": 1, "masked": True}
    assert "call me [PHONE]" in ws.read_table(ws.get("events"))["query"].to_pylist()


def test_ingest_counts_without_masking_when_the_policy_is_none(
    tmp_path: Path, ws: Workspace, settings: Settings
) -> None:
    csv = write(
        tmp_path / "e.csv",
        "user_id,event_type,timestamp,query\nu2,search,2026-01-01T00:01:00,call me 13812345678\n",
    )
    ingest_file(ws, "events", csv, replace(settings, privacy_mask_pii="none"))
    version = ws.get("events")
    assert version.quality["pii"]["query"] == {"email": 0, "phone": 1, "card": 0, "rows": 1}
    assert ws.read_table(version)["query"].to_pylist() == ["call me 13812345678"]
    assert "masked" not in version.tags["query"]
