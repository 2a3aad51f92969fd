"""The CLI contract that scripts rely on, end to end on tiny files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from filetools import write
from shopmind.cli.main import cli

PRODUCTS = "sku,title,price\nA,Alpha,1\nB,Beta,-2\nC,Gamma,3\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def wsdir(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def test_ingest_json_contract(tmp_path: Path, wsdir: Path) -> None:
    path = write(tmp_path / "p.csv", PRODUCTS)
    code, out, _ = run("ingest", "products", str(path), "--json", "--workspace", str(wsdir))
    assert code == 0
    report = json.loads(out)
    assert report["asset"] == "products@1"
    assert (report["input_rows"], report["accepted"], report["quarantined"]) == (3, 2, 1)


def test_assets_commands(tmp_path: Path, wsdir: Path) -> None:
    path = write(tmp_path / "p.csv", PRODUCTS)
    ws = ["--workspace", str(wsdir)]
    run("ingest", "products", str(path), *ws)
    run("ingest", "products", str(path), *ws)
    code, out, _ = run("assets", "list", "--json", *ws)
    listed = {(a["name"], a["version"]): a["rows"] for a in json.loads(out)}
    assert listed == {("products", 2): 2, ("products.quarantine", 2): 1}
    code, out, _ = run("assets", "list", "--all", "--json", *ws)
    assert len(json.loads(out)) == 4
    code, out, _ = run("assets", "show", "products@1", "--json", *ws)
    shown = json.loads(out)
    assert shown["rows"] == 2 and shown["sources"][0]["path"] == str(path.resolve())
    assert shown["tags"]["title"] == ["free_text"]
    code, out, _ = run("assets", "lineage", "products", *ws)
    assert code == 0 and "products@2" in out and str(path.resolve()) in out
    code, out, _ = run("assets", "quarantine", "products@2", "--json", *ws)
    q = json.loads(out)
    assert q["asset"] == "products.quarantine@2" and q["total"] == 1
    assert q["rows"][0]["field"] == "price" and q["rows"][0]["row"] == 2
    code, out, _ = run("assets", "quarantine", "products", *ws)
    assert "price: must be >= 0" in out
    code, out, _ = run("assets", "verify", *ws)
    assert code == 0
    code, out, _ = run("assets", "drift", "products", "--json", *ws)
    drift = json.loads(out)
    assert (drift["older"], drift["newer"], drift["rows"]) == ("products@1", "products@2", [2, 2])
    price = next(c for c in drift["columns"] if c["column"] == "price")
    assert price["psi"] == 0.0 and price["verdict"] == "stable"  # the same file twice
    code, out, _ = run("assets", "drift", "products", *ws)
    assert code == 0 and "price" in out and "stable" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "products", "/nonexistent.csv"], "does not exist"),
        (["assets", "show", "nothing"], "does not exist"),
        (["ingest", "products", "{p}", "--map", "oops"], "SRC=FIELD"),
        (["ingest", "products", "{p}", "--format", "xml"], "unknown format"),
    ],
)
def test_errors_exit_non_zero_with_a_clear_message(
    tmp_path: Path, wsdir: Path, args: list[str], message: str
) -> None:
    path = write(tmp_path / "p.csv", PRODUCTS)
    wsdir.mkdir()
    (wsdir / "workspace.json").write_text('{"format_version": 1}')
    args = [a.format(p=path) for a in args]
    code, out, err = run(*args, "--json", "--workspace", str(wsdir))
    assert code == 2
    assert message in err
    assert json.loads(out)["message"]


def test_missing_workspace_is_reported(tmp_path: Path) -> None:
    code, _out, err = run("assets", "list", "--workspace", str(tmp_path / "none"))
    assert code == 2 and "no workspace" in err


def test_newer_workspace_is_refused_and_unchanged(tmp_path: Path, wsdir: Path) -> None:
    path = write(tmp_path / "p.csv", PRODUCTS)
    run("ingest", "products", str(path), "--workspace", str(wsdir))
    marker = wsdir / "workspace.json"
    info = json.loads(marker.read_text())
    info["format_version"] = 42
    marker.write_text(json.dumps(info))
    before = sorted(p.name for p in (wsdir / "assets").iterdir())
    code, _out, err = run("ingest", "products", str(path), "--workspace", str(wsdir))
    assert code == 1 and "format version 42" in err
    assert sorted(p.name for p in (wsdir / "assets").iterdir()) == before
