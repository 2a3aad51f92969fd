"""``shopmind-trainers privacy export`` and ``budget``: DP releases spend the budget, then are
refused."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from filetools import write
from shopmind.cli.main import cli
from shopmind.privacy.pseudonym import KERNELS

PRODUCTS = "item_id,title,category\nA,Alpha,Home > Kitchen\nB,Beta,Home\nC,Gamma,Garden\n"
EVENTS = (
    "user_id,item_id,event_type,timestamp\n"
    "u1,A,view,2026-01-01T00:00:00\nu1,B,purchase,2026-01-01T00:01:00\n"
    "u2,A,view,2026-01-01T00:02:00\nu3,C,view,2026-01-01T00:03:00\n"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def test_exports_spend_the_budget_until_it_is_gone(tmp_path: Path) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    run("ingest", "products", str(write(tmp_path / "p.csv", PRODUCTS)), *ws)
    run("ingest", "events", str(write(tmp_path / "e.csv", EVENTS)), *ws)
    code, out = run("privacy", "export", "item-popularity", "--epsilon", "0.6", "--json", *ws)
    assert code == 0, out
    report = json.loads(out)
    assert report["asset"] == "dp_item_popularity@1"
    assert abs(report["remaining_epsilon"] - 0.4) < 1e-9
    code, out = run("assets", "show", "dp_item_popularity", "--json", *ws)
    shown = json.loads(out)
    assert shown["rows"] == 3 and shown["params"]["epsilon"] == 0.6
    assert [i.split("@")[0] for i in shown["inputs"]] == ["events", "products"]
    # 0.6 + 0.6 > the default budget of 1.0: refused, nothing written
    code, out = run("privacy", "export", "category-counts", "--epsilon", "0.6", "--json", *ws)
    assert code == 2 and json.loads(out)["error"] == "privacy_budget_exhausted"
    code, out = run("assets", "list", "--json", *ws)
    assert "dp_category_counts" not in {a["name"] for a in json.loads(out)}
    code, out = run("privacy", "export", "category-counts", "--epsilon", "0.4", "--json", *ws)
    assert code == 0 and json.loads(out)["remaining_epsilon"] < 1e-9
    code, out = run("privacy", "budget", "--json", *ws)
    budget = json.loads(out)
    assert [s["epsilon"] for s in budget["spends"]] == [0.6, 0.4]
    assert all(s["who"].startswith("cli:") for s in budget["spends"])


def test_bench_privacy_times_both_settings_and_erases(tmp_path: Path) -> None:
    args = ["bench", "privacy", "--events", "3000", "--items", "300", "--users", "300"]
    args += ["--repeats", "1", "--erasures", "2", "--dir", str(tmp_path), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ingest = data["ingest"]
    assert len(ingest["seconds_off"]) == len(ingest["seconds_on"]) == 1
    assert ingest["median_rows_per_s_on"] > 0 and ingest["median_rows_per_s_off"] > 0
    stages = ingest["stage_seconds_on"]
    assert list(stages) == ["prepare", "read_validate", "dedupe", "references", "write", "profile"]
    assert sum(stages.values()) <= ingest["seconds_on"][0] + 0.01  # each rounded to 1 ms
    assert ingest["kernel"] in KERNELS and ingest["pseudonym_chars"] == 10
    runs = data["erasure"]["runs"]
    assert len(runs) == 2 and all(r["rows_removed"] > 0 for r in runs)
    assert all("events@1" in r["assets_rewritten"] for r in runs)
