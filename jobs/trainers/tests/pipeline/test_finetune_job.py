from __future__ import annotations

import pytest

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.pipeline.finetune import event_pairs, judgement_pairs, run_finetune
from shopmind.text.finetune import FinetuneParams
from shopmind.workspace import AssetVersion, Workspace


def test_pairs_from_events_follow_a_search_in_the_same_session(
    shop_ws: tuple[Workspace, Settings, AssetVersion],
) -> None:
    ws, _settings, _enc = shop_ws
    pairs = event_pairs(ws, ws.get("events"))
    assert pairs
    events = ws.read_table(ws.get("events")).to_pylist()
    searched = {(e["session_id"], e["query"]) for e in events if e["event_type"] == "search"}
    engaged = {
        (e["session_id"], e["item_id"])
        for e in events
        if e["event_type"] in ("click", "add_to_cart", "purchase")
    }
    sessions_of = {}
    for s, q in searched:
        sessions_of.setdefault(q, set()).add(s)
    for q, item in pairs[:50]:
        assert any((s, item) in engaged for s in sessions_of[q])


def test_judgement_pairs_keep_the_top_of_the_scale(
    shop_ws: tuple[Workspace, Settings, AssetVersion],
) -> None:
    ws, _settings, _enc = shop_ws
    judgements = ws.get("judgements")
    table = ws.read_table(judgements).to_pylist()
    top = max(r["relevance"] for r in table)
    pairs = judgement_pairs(ws, judgements, None)
    assert pairs and len(pairs) == sum(1 for r in table if r["relevance"] >= top * 0.8)


def test_finetune_commits_a_new_encoder_version(
    shop_ws: tuple[Workspace, Settings, AssetVersion],
) -> None:
    ws, settings, encoder = shop_ws
    report = run_finetune(
        ws, settings, FinetuneParams(batch_size=8, max_tokens=16), max_pairs=64, base=encoder
    )
    tuned = ws.get("encoder")
    assert report["encoder"] == str(tuned.ref) == "encoder@2"
    assert tuned.params["base"] == "encoder@1" and encoder.ref in tuned.inputs
    assert ws.get("judgements").ref in tuned.inputs and ws.get("events").ref in tuned.inputs
    assert report["train_pairs"] + report["holdout_pairs"] == 64
    assert "recall@10" in report["holdout_after"]


def test_finetune_bad_source(shop_ws: tuple[Workspace, Settings, AssetVersion]) -> None:
    ws, settings, encoder = shop_ws
    with pytest.raises(InvalidArgument, match="source must be one of"):
        run_finetune(ws, settings, FinetuneParams(), source="clicks", base=encoder)
