"""The workspace recommender: trained from events with lineage, opened, live, and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from filetools import synthetic_users
from shopmind.cli.main import cli
from shopmind.config import Settings, load_settings
from shopmind.errors import InvalidArgument, NotFound
from shopmind.ingest import ingest_file
from shopmind.pipeline.build import run_build
from shopmind.pipeline.recommending import open_recommender, train_recommender
from shopmind.pipeline.releasing import FOREST_CACHE, make_release, open_release
from shopmind.recommend.hybrid import Hybrid
from shopmind.synth import SynthConfig, write_shop
from shopmind.text.asset import build_encoder_asset
from shopmind.text.sources import tiny_source
from shopmind.workspace import AssetVersion, Workspace

VOCAB = [*"abcdefghijklmnopqrstuvwxyz0123456789"] + [
    "##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Settings]:
    root = tmp_path_factory.mktemp("rec")
    settings = load_settings(
        environ={}, workspace=root / "ws", threads=1, recommend_train_minutes=0.05
    )
    ws = Workspace.open(settings.workspace, create=True)
    files = write_shop(SynthConfig.tiny(seed=3), root / "data")["files"]
    assert isinstance(files, dict)
    for kind in ("products", "events"):
        ingest_file(ws, kind, files[kind], settings)
    encoder = build_encoder_asset(ws, tiny_source(VOCAB, seed=0), ["red shoe", "kettle"])
    run_build(ws, settings, encoder_asset=encoder)
    return ws, settings


def test_build_trains_the_configured_recommender_with_lineage(
    built: tuple[Workspace, Settings],
) -> None:
    ws, _ = built
    rec = ws.get("recommender")
    assert rec.params["model"] == "hybrid"
    names = {r.name for r in rec.inputs}
    assert names == {"events", "products", "item_embeddings"}
    held = rec.quality["held_out"]
    assert set(held) >= {"ndcg@10", "hr@10", "coverage@10"}
    assert rec.quality["test_users"] > 0
    assert rec.report["users"] > 0


def test_a_served_release_runs_compiled_trees(built: tuple[Workspace, Settings]) -> None:
    ws, settings = built
    _, served = make_release(ws, settings, activate=False)
    assert served.recommend is not None and served.search is not None
    model = served.recommend.model
    assert isinstance(model, Hybrid) and model.forest is not None and model.forest.compiled
    assert list((ws.root / FOREST_CACHE).glob("*.o"))
    plain = open_release(ws, replace(settings, serve_compile_trees=False), served.release)
    assert plain.recommend is not None
    other = plain.recommend.model
    assert isinstance(other, Hybrid) and other.forest is not None and not other.forest.compiled
    user = served.recommend.data.users[0]
    compiled = [r.item_id for r in served.recommend.recommend(user, 5)]
    assert compiled == [r.item_id for r in plain.recommend.recommend(user, 5)]


def test_open_recommend_and_live_events(built: tuple[Workspace, Settings]) -> None:
    ws, settings = built
    svc = open_recommender(ws, settings)
    user = svc.data.users[0]
    recs = svc.recommend(user, 5)
    assert 0 < len(recs) <= 5
    assert all(r.reason for r in recs)
    seen = set(svc.history(user).items.tolist())
    assert not {svc.catalog.index(r.item_id) for r in recs} & seen
    item = recs[0].item_id
    assert svc.record(user, item, "view", 2_000_000_000)
    assert item not in [r.item_id for r in svc.recommend(user, 5)]  # viewed now: not re-shown
    assert len(svc.similar(item, 3)) <= 3


def test_each_model_can_be_trained(shop_ws: tuple[Workspace, Settings, AssetVersion]) -> None:
    ws, settings, _encoder = shop_ws
    for name in ("popularity", "itemcf", "ease"):
        v = train_recommender(ws, settings, name)
        assert v.params["model"] == name
        assert open_recommender(ws, settings).model.name == name
    with pytest.raises(InvalidArgument, match="unknown recommender"):
        train_recommender(ws, settings, "magic")


def test_no_recommender_yet(
    tmp_path: Path, shop_ws: tuple[Workspace, Settings, AssetVersion]
) -> None:
    _, settings, _ = shop_ws
    ws = Workspace.open(tmp_path / "empty", create=True)
    with pytest.raises(NotFound, match="shopmind-trainers build"):
        open_recommender(ws, settings)


def test_cli_recommend_similar_and_train(built: tuple[Workspace, Settings]) -> None:
    ws, settings = built
    runner = CliRunner()
    base = ["--workspace", str(settings.workspace), "--json"]
    svc = open_recommender(ws, settings)
    user = synthetic_users(ws.root)[svc.data.users[1]]  # the id the shop sends
    out = runner.invoke(cli, ["recommend", user, "--k", "3", *base])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["user"] == user and data["known_user"] is True
    assert 0 < len(data["items"]) <= 3
    assert {"item_id", "score", "reason", "because"} <= set(data["items"][0])
    item = data["items"][0]["item_id"]
    out = runner.invoke(cli, ["similar", item, "--k", "2", *base])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["item"] == item
    out = runner.invoke(cli, ["similar", "no-such-item", *base])
    assert out.exit_code != 0
    assert "not in the recommender's catalog" in out.output
    out = runner.invoke(cli, ["recommender", "train", "--model", "itemcf", *base])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["model"] == "itemcf"
