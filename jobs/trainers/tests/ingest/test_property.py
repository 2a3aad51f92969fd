"""Random malformed input never crashes ingestion, and the report always reconciles."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.config import load_settings
from shopmind.errors import ShopmindError
from shopmind.ingest import ingest_file, quarantine_of
from shopmind.workspace import Workspace

_counter = itertools.count()

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "-1",
            "1e309",
            "NaN",
            "$1,000.5",
            "2999-01-01",
            "abc",
            '"',
            "a\nb",
            "１２",
            "view",
            "purchase",
            "nul\x00l",
            "🙂",
        ]
    ),
    st.from_regex(r"-?\d{1,6}(\.\d{1,3})?", fullmatch=True),
)
row = st.lists(cell, min_size=0, max_size=7)


def _csv_line(cells: list[str]) -> str:
    out = []
    for c in cells:
        if any(ch in c for ch in ',"\n\r'):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return ",".join(out)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(row, min_size=1, max_size=25),
    raw_tail=st.binary(max_size=20),
    kind=st.sampled_from(["products", "events"]),
)
def test_random_rows_reconcile(
    tmp_path: Path, rows: list[list[str]], raw_tail: bytes, kind: str
) -> None:
    header = (
        "item_id,title,price,stock,brand,category,extra"
        if kind == "products"
        else "user_id,item_id,event_type,timestamp,price,quantity,query"
    )
    body = "\n".join(_csv_line(r) for r in rows)
    path = tmp_path / f"in{next(_counter)}.csv"
    path.write_bytes((header + "\n" + body + "\n").encode("utf-8", "surrogatepass") + raw_tail)
    s = load_settings(
        environ={}, workspace=tmp_path / f"ws{next(_counter)}", ingest_chunk_rows=7, threads=1
    )
    ws = Workspace.open(s.workspace, create=True)
    try:
        report = ingest_file(ws, kind, path, s)
    except ShopmindError:
        # A whole-file problem (e.g. an unclosed quote) is a clear error and changes nothing.
        assert ws.versions() == []
        return
    assert report.input_rows == report.accepted + report.quarantined
    q = ws.read_table(quarantine_of(ws, ws.get(kind)))
    assert q.num_rows == report.quarantined
    assert all(r for r in q["reason"].to_pylist())
    assert ws.verify() == []
