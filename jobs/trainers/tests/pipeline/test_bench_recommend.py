"""``shopmind-trainers bench recommend`` on tiny files in both input formats."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopmind.cli.main import cli
from shopmind.config import load_settings
from shopmind.errors import InputFileError, InvalidArgument
from shopmind.evaluate.seqrec_data import read_interactions, read_sequences, read_titles
from shopmind.pipeline.bench_recommend import (
    RecommendBenchParams,
    bench_recommend,
    hybrid_parts,
    load_dataset,
)
from shopmind.recommend.sasrec.config import SasRecParams

TINY = SasRecParams.tiny(max_epochs=20, patience=2)


def write_sequences(path: Path, users: int = 120) -> Path:
    lines = []
    for u in range(users):
        c, start = u % 4, u % 7
        seq = [1 + c * 10 + (start + t) % 10 for t in range(6)]
        lines.append(" ".join(map(str, [u + 1, *seq])))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_reads_both_formats(tmp_path: Path) -> None:
    data, ids = read_sequences(write_sequences(tmp_path / "s.txt"))
    assert data.n_users == 120 and data.n_interactions == 720
    assert data.catalog.ids == tuple(ids)
    tsv = tmp_path / "i.tsv.gz"
    with gzip.open(tsv, "wt") as f:
        f.write("user_id\titem_id\ttimestamp\n100\t200\t5\n100\t201\t9\n101\t200\t7\n")
    inter, _ = read_interactions(tsv)
    assert inter.n_users == 2
    h = inter.history(0)
    assert [inter.catalog.ids[i] for i in h.items] == ["200", "201"]
    assert h.times is not None and h.times.tolist() == [5, 9]
    titles = tmp_path / "t.tsv"
    titles.write_text('item_id\ttitle\n200\tRed "shoe"\n201\t\n')
    assert read_titles(titles, "item_id") == {"200": 'Red "shoe"', "201": ""}
    with pytest.raises(InputFileError, match="s3rec_item_id"):
        read_titles(titles, "s3rec_item_id")
    bad = tmp_path / "bad.tsv"
    bad.write_text("user\titem\n1\t2\n")
    with pytest.raises(InputFileError, match="header"):
        read_interactions(bad)
    with pytest.raises(InvalidArgument, match="exactly one"):
        load_dataset(None, None, None)


def test_bench_scores_every_model_side_by_side(tmp_path: Path) -> None:
    data, _ = read_sequences(write_sequences(tmp_path / "s.txt"))
    settings = load_settings(environ={}, workspace=tmp_path / "ws", threads=1)
    params = RecommendBenchParams(
        models=("popularity", "itemcf", "ease", "sasrec-plain", "sasrec", "hybrid"), sasrec=TINY
    )
    result = bench_recommend(settings, data, {}, params)
    assert result["dataset"] == {**result["dataset"], "users": 120, "interactions": 720}
    models = result["models"]
    assert list(models) == list(params.models)
    for m in models.values():
        assert {
            "hr@10",
            "ndcg@10",
            "hr@20",
            "ndcg@20",
            "coverage@10",
            "cold_ndcg@10",
            "train_seconds",
            "p99_ms",
        } <= set(m)
        assert 0 <= m["ndcg@10"] <= m["hr@10"] <= 1
    # the sequence is planted: sequential models find the next item, popularity cannot
    assert models["sasrec"]["ndcg@10"] > 2 * models["popularity"]["ndcg@10"]
    assert models["itemcf"]["hr@10"] > 0.9
    with pytest.raises(InvalidArgument, match="unknown model"):
        bench_recommend(settings, data, {}, replace(params, models=("magic",)))


def test_cli(tmp_path: Path) -> None:
    seqs = write_sequences(tmp_path / "s.txt")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(
        cli,
        [
            "bench",
            "recommend",
            "--sequences",
            str(seqs),
            "--models",
            "popularity,itemcf,content",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    result = json.loads(out.read_text())
    assert set(result["models"]) == {"popularity", "itemcf", "content"}
    assert result["models"]["content"] == {"skipped": "no item titles (--items)"}
    assert result["command"].startswith("shopmind-trainers bench recommend --sequences")


def test_hybrid_blends_the_runs_models_with_one_transformer() -> None:
    assert hybrid_parts(("itemcf", "hybrid"), has_text=True) == ["itemcf", "popularity"]
    # a run with only the plain transformer blends it; with both, ours is the one blended
    plain = hybrid_parts(("itemcf", "sasrec-plain", "hybrid"), has_text=False)
    assert plain == ["sasrec-plain", "itemcf", "popularity"]
    both = hybrid_parts(("sasrec-plain", "sasrec", "content", "hybrid"), has_text=False)
    assert both == ["sasrec", "popularity"]
    assert "content" in hybrid_parts(("hybrid",), has_text=True)
