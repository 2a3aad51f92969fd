from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pytest

from shopmind.config import Settings
from shopmind.pipeline.encoders import resolve_family
from shopmind.workspace import Workspace


@pytest.mark.parametrize(
    ("zh", "expected"),
    [(0, "all-MiniLM-L6-v2"), (5, "all-MiniLM-L6-v2"), (10, "multilingual-e5-small")],
)
def test_auto_picks_the_multilingual_encoder_for_non_english_catalogs(
    ws: Workspace, settings: Settings, zh: int, expected: str
) -> None:
    langs = ["zh"] * zh + ["en"] * (100 - zh)
    products = ws.write_table("products", pa.table({"language": langs}), "test")
    assert resolve_family(ws, settings, products) == expected


def test_an_explicit_encoder_setting_wins(ws: Workspace, settings: Settings) -> None:
    products = ws.write_table("products", pa.table({"language": ["zh"] * 10}), "test")
    pinned = replace(settings, encoder="all-MiniLM-L6-v2")
    assert resolve_family(ws, pinned, products) == "all-MiniLM-L6-v2"
    assert resolve_family(ws, settings, None) == "all-MiniLM-L6-v2"
