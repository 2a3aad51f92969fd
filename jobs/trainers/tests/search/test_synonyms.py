"""Synonyms: parsing the rules text, expansion, BM25 with synonyms, the asset and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from shopmind.cli.main import cli
from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.search.analyze import Analyzer
from shopmind.search.lexical import LexicalRetriever
from shopmind.search.synonyms import (
    EXPANSION_WEIGHT,
    FILE,
    SynonymRule,
    Synonyms,
    build_synonyms_asset,
    load_synonyms,
    parse_rules,
)
from shopmind.workspace import Workspace

RULES = """\
# furniture
sofa, couch, settee

tv, telly => television
  flat screen,  flat panel
"""

CATALOG: dict[str, list[str | None]] = {
    "title": [
        "Grey sofa",
        "Oak dining table",
        "Television 55 inch",
        "Flat panel monitor",
        "Couch cushion cover",
    ],
    "brand": ["Nordic", "Nordic", "Vizio", "Acer", "Homey"],
}


def test_parse_both_kinds_multi_word_and_comments() -> None:
    rules = parse_rules(
        "# only a comment\n\nsofa, couch, settee\n tv, telly =>  television \n"
        "flat  screen, flat panel\n"
    )
    assert rules == [
        SynonymRule(("sofa", "couch", "settee")),
        SynonymRule(("tv", "telly"), ("television",)),
        SynonymRule(("flat screen", "flat panel")),
    ]
    assert [r.line for r in rules] == [3, 4, 5]
    assert not rules[0].one_way and rules[1].one_way
    assert rules[1].to_text() == "tv, telly => television"
    syn = Synonyms(rules)
    assert syn.counts() == {"rules": 3, "equivalent": 2, "one_way": 1}
    assert Synonyms.parse(syn.to_text()).rules == syn.rules


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("sofa, couch\nsofa\n", 2, "single term"),
        ("a, b\n\n# c\n=> television\n", 4, "empty left side"),
        ("tv =>\n", 1, "empty right side"),
        ("sofa, , couch\n", 1, "empty term"),
        ("a, b\na => b => c\n", 2, "more than one"),
        ("sofa, the\n", 1, "no searchable words"),
        ("sofa, sofa\n", 1, "single term"),
    ],
)
def test_bad_lines_name_the_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=f"line {line}: .*{problem}") as err:
        Synonyms.parse(text)
    assert err.value.details["line"] == line


def test_expand_weights_directions_and_no_duplicates() -> None:
    syn = Synonyms.parse(RULES)
    a = Analyzer()
    assert syn.expand(a.tokens("grey couch")) == [
        ("grey", 1.0),
        ("couch", 1.0),
        ("sofa", EXPANSION_WEIGHT),
        ("sette", EXPANSION_WEIGHT),
    ]
    # one-way: the left expands to the right, never back
    assert syn.expand(["tv"]) == [("tv", 1.0), ("televis", 0.5)]
    assert syn.expand(["televis"]) == [("televis", 1.0)]
    # multi-word: only the new token of "flat panel" is added; nothing the query has
    assert syn.expand(["big", "flat", "screen", "tv"]) == [
        ("big", 1.0),
        ("flat", 1.0),
        ("screen", 1.0),
        ("tv", 1.0),
        ("panel", 0.5),
        ("televis", 0.5),
    ]
    assert syn.expand(["screen", "flat"]) == [("screen", 1.0), ("flat", 1.0)]  # not in order
    # repeats kept as they are; a term already present is never added
    assert syn.expand(["sofa", "couch", "sofa"]) == [
        ("sofa", 1.0),
        ("couch", 1.0),
        ("sofa", 1.0),
        ("sette", 0.5),
    ]
    assert Synonyms.parse("sofa, couch", weight=0.25).expand(["couch"])[1] == ("sofa", 0.25)
    assert syn.expand([]) == []
    with pytest.raises(InvalidArgument, match="weight"):
        Synonyms(weight=0.0)


def test_rules_are_analysed_like_the_index() -> None:
    syn = Synonyms.parse("Couches, SOFAS")
    assert syn.expansions(Analyzer().tokens("couch")) == {"couch": ["sofa"]}
    raw = syn.with_analyzer(Analyzer(stem=False))
    assert raw.expansions(["couches"]) == {"couches": ["sofas"]}
    assert syn.with_analyzer(Analyzer()) is syn


def test_lexical_finds_synonyms_only_when_on() -> None:
    plain = LexicalRetriever.from_columns(CATALOG)
    assert plain.search("settee", 5).rows.size == 0
    with_syn = LexicalRetriever.from_columns(CATALOG, synonyms=Synonyms.parse(RULES))
    hits = with_syn.search("settee", 5)
    assert hits.rows.tolist() == [0, 4]  # "Grey sofa", then "Couch cushion cover"
    assert hits.explain["synonyms"] == {"sette": ["sofa", "couch"]}
    # "couch" itself matches the cushion cover fully; the sofa comes in at half weight
    couch_plain = plain.search("couch", 5)
    assert 0 not in couch_plain.rows.tolist()
    couch = with_syn.search("couch", 5)
    assert couch.rows.tolist() == [4, 0]
    assert couch.explain["synonyms"] == {"couch": ["sofa"]}
    assert couch.explain["matched"] == [["couch"], ["sofa"]]
    # one-way: "tv" finds the television, "television" does not find a "tv"
    assert with_syn.search("tv", 5).rows.tolist() == [2]
    assert "synonyms" not in with_syn.search("television", 5).explain
    # the synonym weighs half a typed match
    syn_scores = with_syn.score_all("couch")
    index = with_syn.index
    sofa_col = index.score_columns({index.term_ids["sofa"]: 1.0})
    assert syn_scores[0] == pytest.approx(EXPANSION_WEIGHT * sofa_col[0])


def test_results_unchanged_without_synonyms_or_matches() -> None:
    plain = LexicalRetriever.from_columns(CATALOG)
    with_syn = LexicalRetriever(plain.index, synonyms=Synonyms.parse(RULES))
    empty = LexicalRetriever(plain.index, synonyms=Synonyms())
    for query in ("grey", "oak table", "monitor", "nothing here", "cushon"):
        a, b, c = plain.search(query, 5), with_syn.search(query, 5), empty.search(query, 5)
        for other in (b, c):
            assert other.rows.tolist() == a.rows.tolist()
            np.testing.assert_array_equal(other.scores, a.scores)
            assert other.explain == a.explain
        np.testing.assert_array_equal(plain.score_all(query), empty.score_all(query))
    assert "synonyms" not in plain.search("couch", 5).explain


def test_matched_synonym_is_not_typo_corrected() -> None:
    fields: dict[str, list[str | None]] = {"title": ["leather pouch", "grey sofa"]}
    plain = LexicalRetriever.from_columns(fields)
    assert plain.search("couch", 5).explain["typos"] == {"couch": ["pouch"]}
    hits = LexicalRetriever.from_columns(fields, synonyms=Synonyms.parse("sofa, couch")).search(
        "couch", 5
    )
    assert hits.rows.tolist() == [1]
    assert hits.explain["typos"] == {} and hits.explain["unknown"] == ["couch"]


def test_save_load_round_trip(tmp_path: Path) -> None:
    syn = Synonyms.parse(RULES, weight=0.4)
    syn.save(tmp_path)
    data = json.loads((tmp_path / FILE).read_text(encoding="utf-8"))
    assert data["weight"] == 0.4 and data["rules"][1] == {
        "terms": ["tv", "telly"],
        "targets": ["television"],
    }
    back = Synonyms.load(tmp_path)
    assert back.rules == syn.rules and back.weight == 0.4
    assert back.expand(["couch"]) == syn.expand(["couch"])
    with pytest.raises(NotFound):
        Synonyms.load(tmp_path / "missing")
    (tmp_path / FILE).write_text('{"format": "shopmind.synonyms", "version": 1, "rules": [1]}')
    with pytest.raises(InputFileError, match="not an object"):
        Synonyms.load(tmp_path)


def test_asset_round_trip(ws: Workspace) -> None:
    with pytest.raises(NotFound):
        load_synonyms(ws)
    v1 = build_synonyms_asset(ws, RULES, "rules.txt")
    assert str(v1.ref) == "synonyms@1" and v1.rows == 3
    assert v1.params == {"rules": 3, "equivalent": 2, "one_way": 1, "weight": 0.5}
    assert "seconds" in v1.report and v1.sources[0]["path"] == "rules.txt"
    v2 = build_synonyms_asset(ws, "mug, cup\n", None)
    assert str(v2.ref) == "synonyms@2" and v2.sources == ()
    assert load_synonyms(ws).rules == (SynonymRule(("mug", "cup")),)
    assert load_synonyms(ws, v1).rules == Synonyms.parse(RULES).rules
    with pytest.raises(InvalidArgument, match="line 1"):
        build_synonyms_asset(ws, "lonely\n", None)
    assert len(ws.versions("synonyms")) == 2  # a bad text commits nothing
    assert ws.verify() == []


def test_cli_import_and_show(ws: Workspace, tmp_path: Path) -> None:
    rules = tmp_path / "synonyms.txt"
    rules.write_text(RULES, encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(
        cli,
        ["synonyms", "import", str(rules), "--json", "--workspace", str(ws.root)],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["synonyms"] == "synonyms@1"
    assert (data["rules"], data["equivalent"], data["one_way"]) == (3, 2, 1)
    shown = runner.invoke(
        cli, ["synonyms", "show", "--workspace", str(ws.root)], catch_exceptions=False
    )
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[1:] == [
        "sofa, couch, settee",
        "tv, telly => television",
        "flat screen, flat panel",
    ]
    as_json = json.loads(
        runner.invoke(cli, ["synonyms", "show", "--json", "--workspace", str(ws.root)]).stdout
    )
    assert as_json["rules"][1] == {"terms": ["tv", "telly"], "targets": ["television"]}
    assert as_json["counts"] == {"rules": 3, "equivalent": 2, "one_way": 1}
    bad = tmp_path / "bad.txt"
    bad.write_text("sofa, couch\ntv =>\n", encoding="utf-8")
    failed = runner.invoke(
        cli, ["synonyms", "import", str(bad), "--json", "--workspace", str(ws.root)]
    )
    assert failed.exit_code == 2
    assert "line 2" in json.loads(failed.stdout)["message"]
