"""Analyzer: units, dimensions, hyphens, stemming, CJK bigrams, and no crash on any string."""

from __future__ import annotations

import random

import pytest

from shopmind.search.analyze import Analyzer

A = Analyzer()


def test_plurals_and_stems_meet() -> None:
    assert A.tokens("Sprinklers") == A.tokens("sprinkler")
    assert A.tokens("mowers") == A.tokens("mower")
    assert A.tokens("shelves") == A.tokens("shelving")


@pytest.mark.parametrize("text", ["1/2 in.", "1/2-in", "1/2 inch", "1/2 inches", '1/2"', "1/2in"])
def test_inch_spellings_give_the_same_terms(text: str) -> None:
    assert A.tokens(text) == ["1/2", "in", "1/2in"]


def test_vulgar_fraction_and_double_prime_normalise() -> None:
    assert A.tokens("½ in.") == A.tokens("1/2 in.")
    assert A.tokens("12″") == A.tokens("12 in.")


@pytest.mark.parametrize(
    ("texts", "term"),
    [
        (["8 ft.", "8 feet", "8 foot", "8'", "8-ft"], "8ft"),
        (["5 gal.", "5 gallon", "5-Gallon", "5gal"], "5gal"),
        (["50 lb.", "50 lbs", "50 pounds"], "50lb"),
        (["18-Volt", "18V", "18 v", "18 volts"], "18v"),
        (["60W", "60 watt"], "60w"),
        (["12 oz.", "12 ounce"], "12oz"),
        (["25 mm", "25mm"], "25mm"),
        (["25,000 BTU", "25000 btu"], "25000btu"),
    ],
)
def test_units_after_numbers(texts: list[str], term: str) -> None:
    unit = term.lstrip("0123456789")
    for text in texts:
        toks = A.tokens(text)
        assert term in toks, text
        assert unit in toks, text


def test_ambiguous_unit_words_are_units_only_after_numbers() -> None:
    assert A.tokens("Faucet Trim Kit in Chrome") == ["faucet", "trim", "kit", "chrome"]
    assert "in" in A.tokens("22 in. mower")
    assert A.tokens("inches") == ["in"]  # unambiguous unit words are canonical anywhere


@pytest.mark.parametrize("text", ["2x4", "2 x 4", "2X4", "2 in. x 4 in.", "2*4", "2'x4'"])
def test_dimensions(text: str) -> None:
    toks = A.tokens(text)
    assert {"2", "4", "2x4"} <= set(toks)
    assert "x" not in toks


def test_hyphens_give_parts_and_joined_form() -> None:
    toks = A.tokens("Strong-Tie")
    assert toks[:2] == A.tokens("strong tie")
    assert A.tokens("strongtie")[0] in toks
    assert set(A.tokens("12-Gauge")) == {"12", *A.tokens("gauge"), "12gauge"}


def test_model_numbers_stay_whole() -> None:
    assert "sc141" in A.tokens("Behr #SC-141")
    assert "r410a" in A.tokens("R410A refrigerant")
    assert {"4", "x4"} <= set(A.tokens("RIDGID X4"))
    assert A.tokens("1-1/2 in.") == ["1", "1/2", "1-1/2", "in", "1-1/2in"]


def test_stop_words_and_options() -> None:
    assert A.tokens("the of and") == []
    plain = Analyzer(stem=False, stopwords=False)
    assert plain.tokens("The Sprinklers") == ["the", "sprinklers"]
    assert Analyzer(**plain.options()) == plain
    assert plain != A


def test_nfkc_and_case() -> None:
    assert A.tokens("ＨＤＸ Ｓｈｅｌｆ") == A.tokens("hdx shelf")
    assert A.tokens("Briggs &amp; Stratton") == A.tokens("briggs stratton")


def test_chinese_bigrams() -> None:
    assert A.tokens("华为手机") == ["华为", "为手", "手机"]
    assert A.tokens("壳") == ["壳"]
    assert A.tokens("iPhone 15 手机壳") == [*A.tokens("iphone"), "15", "手机", "机壳"]
    assert A.tokens("iPhone15手机壳") == [*A.tokens("iphone15"), "手机", "机壳"]
    assert Analyzer(cjk_bigrams=False).tokens("手机壳") == ["手", "机", "壳"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02\n\t\r",
        "\ud800 lone surrogate \udfff",
        "😀🔥 emoji 👍🏽",
        "\ufeff\u200b\u200d zero width",
        "\uffff\ufffe\U0010ffff",
        "---///...",
        "1/ /2 -1- x x 2 x 4x x",
        "1-1/2-3/4-in-x-",
        "'\"''\"\"'",
        bytes(range(256)).decode("latin-1"),
        "ａ" * 5000,
        "1" * 10_000,
        "word " * 20_000,
    ],
)
def test_never_raises(text: str) -> None:
    toks = A.tokens(text)
    assert isinstance(toks, list)
    assert all(isinstance(t, str) and t for t in toks)


def test_random_strings_never_raise() -> None:
    rng = random.Random(0)
    alphabet = "ab1 2x/.-'\"½华为\u0301\x00😀ßİ"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert all(t for t in A.tokens(text))
        cps = [rng.randint(0, 0x10FFFF) for _ in range(rng.randint(0, 20))]
        A.tokens("".join(map(chr, cps)))


def test_non_str_gives_no_terms() -> None:
    assert A.tokens(None) == []  # type: ignore[arg-type]
