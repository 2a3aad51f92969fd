"""Text analysis for lexical search: a product title or a query -> a list of index terms.

One :class:`Analyzer` must serve both the catalog and the queries, so that both sides produce the
same terms. The rules, in order:

1. **Normalise.** NFKC (full-width letters, ``½`` -> ``1⁄2``, ``²`` -> ``2``), then lower case.
   Look-alike marks are folded: ``⁄`` -> ``/``, ``×`` and ``*`` between digits -> ``x``, curly
   quotes and primes -> ``"`` / ``'``. ``&amp;`` becomes ``&``, thousands separators go
   (``25,000`` -> ``25000``) and apostrophes inside words go (``men's`` -> ``mens``).
   Control characters, punctuation, emoji and lone surrogates only separate words.
2. **Split** into CJK runs (Han, kana, Hangul) and *chunks*: letters and digits joined by ``-``,
   ``.`` or ``/``. A chunk splits again into *atoms*: numbers (``12``, ``1.9``, ``1/2``,
   ``1-1/2``) and letter runs, so ``2x4`` -> ``2 x 4`` and ``18v`` -> ``18 v``.
3. **Units.** A unit word directly after a number, in the same chunk or the next one, becomes
   its canonical form, and the pair also gives a joined term: ``1/2 in.``, ``1/2-in``,
   ``1/2in``, ``1/2 inch`` and ``1/2"`` all give ``1/2``, ``in``, ``1/2in``. Unambiguous unit
   words (``inches``, ``feet``, ``gallon``, ``lbs`` ...) are canonical anywhere, while ``in``,
   ``v``, ``w``, ``g``, ``m``, ``l`` and ``hp`` count as units only after a number ("kit in
   chrome" keeps ``in`` a stop word; "HP" alone stays a brand).
4. **Dimensions.** ``x`` between two numbers gives the joined term as well: ``2x4``, ``2 x 4``
   and ``2 in. x 4 in.`` all give ``2``, ``4`` and ``2x4``. The ``x`` itself is dropped.
5. **Joined forms.** A chunk of several atoms also gives its atoms glued together:
   ``strong-tie`` -> ``strong``, ``tie``, ``strongtie``; ``sc-141`` -> ``sc``, ``141``,
   ``sc141``; ``r410a`` keeps ``r410a``. This is how model numbers stay searchable.
6. **Stop words** (a short English list, below) are dropped. Units are never dropped.
7. **Stemming.** Pure-letter terms go through the English Snowball stemmer (PyStemmer), which
   also folds plurals. Terms with digits (model numbers, sizes) and units are not stemmed.
8. **CJK.** Each CJK run gives overlapping character bigrams (``华为手机`` -> ``华为``,
   ``为手``, ``手机``); a lone character stays itself. With ``cjk_bigrams=False`` each character
   is its own term. Latin and digit runs next to CJK stay words (``iPhone 15 手机壳`` ->
   ``iphone``, ``15``, ``手机``, ``机壳``).

:meth:`Analyzer.tokens` never raises on a ``str``. Speed comes from caching each distinct chunk's
terms (54,667 Home Depot titles have 26k distinct chunks), so the steady-state cost is one regex
pass and one dict look-up per chunk: about 0.8 s for those titles.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

import Stemmer

# Short on purpose: only words with no retrieval value in shop text. "no", "not", "without",
# "off" and "over" stay, because they change what a product is ("over the range microwave").
STOPWORDS = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has",
        "have", "if", "in", "into", "is", "it", "its", "of", "on", "or", "so", "such", "than",
        "that", "the", "their", "then", "there", "these", "this", "those", "to", "was", "were",
        "which", "will", "with", "x",
    )
)  # fmt: skip

# Unit word -> canonical unit. The canonical forms are short so "1/2in" reads naturally.
UNITS: dict[str, str] = {
    **dict.fromkeys(("in", "inch", "inches"), "in"),
    **dict.fromkeys(("ft", "feet", "foot"), "ft"),
    **dict.fromkeys(("yd", "yds", "yard", "yards"), "yd"),
    **dict.fromkeys(("gal", "gals", "gallon", "gallons"), "gal"),
    **dict.fromkeys(("qt", "qts", "quart", "quarts"), "qt"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
    **dict.fromkeys(("oz", "ounce", "ounces"), "oz"),
    **dict.fromkeys(("mm", "millimeter", "millimeters", "millimetre", "millimetres"), "mm"),
    **dict.fromkeys(("cm", "centimeter", "centimeters", "centimetre", "centimetres"), "cm"),
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), "m"),
    **dict.fromkeys(("v", "volt", "volts", "voltage"), "v"),
    **dict.fromkeys(("w", "watt", "watts"), "w"),
    **dict.fromkeys(("amp", "amps", "ampere", "amperes"), "amp"),
    **dict.fromkeys(("g", "gram", "grams"), "g"),
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilograms"), "kg"),
    **dict.fromkeys(("l", "liter", "liters", "litre", "litres"), "l"),
    **dict.fromkeys(("ml", "milliliter", "milliliters", "millilitre", "millilitres"), "ml"),
    **{u: u for u in ("btu", "cfm", "gpm", "psi", "mah", "gb", "tb", "hz", "mph", "rpm", "hp")},
}
# Unit words that are also ordinary words or letters: units only right after a number.
AMBIGUOUS_UNITS = frozenset(("in", "v", "w", "g", "m", "l", "hp"))

# Han (with extension blocks and compatibility ideographs), kana and Hangul syllables: scripts
# written without spaces between words, so they get character n-grams instead of words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
_WORD = rf"[^\W_{_CJK}]"  # a letter or digit that is not CJK
_CHUNK = re.compile(rf"[{_CJK}]+|{_WORD}+(?:[-./]{_WORD}+)*")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_ATOM = re.compile(r"\d+-\d+/\d+|\d+(?:[./]\d+)*|[^\W\d_]+")
_FOLD = str.maketrans(
    {
        "\u2044": "/",
        "\u00d7": "x",
        "\u201c": '"',
        "\u201d": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2032": "'",
    }
)
_INCH_MARK = re.compile(r'(?<=\d)\s*(?:"|\'\')')  # 1/2" and 1/2'' (NFKC makes ″ into ′′)
_FOOT_MARK = re.compile(r"(?<=\d)\s*'")
_WORD_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_STAR_DIM = re.compile(r"(?<=\d)\s*\*\s*(?=\d)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

# Distinct chunks kept per analyzer; past this the cache is emptied (huge junk inputs would
# otherwise grow it without bound; real catalogs have far fewer distinct chunks).
_CACHE_LIMIT = 500_000


class _Chunk(NamedTuple):
    """What the chunk-level pass needs to know about one chunk, cached per distinct chunk."""

    terms: tuple[str, ...]
    unit: str | None  # canonical unit if the whole chunk is one unit word
    lead_num: str | None  # first atom, if a number (right side of "2 x 4")
    trail_num: str | None  # last atom, if a number (may take a unit from the next chunk)
    dim_num: str | None  # number that a following "x" may join ("2" of "2in", "4" of "2x4")
    x_num: str | None  # the number of a chunk that starts "x<number>" (2' x4')


def _is_number(atom: str) -> bool:
    return atom[0].isdigit()


@dataclass(frozen=True)
class Analyzer:
    """Turns text into index terms; see the module docstring for the rules.

    ``stem``: English Snowball stemming of pure-letter terms; ``stopwords``: drop
    :data:`STOPWORDS`; ``cjk_bigrams``: CJK runs as character bigrams (else single characters).
    Equal options give equal terms, so the options are saved with an index.
    """

    stem: bool = True
    stopwords: bool = True
    cjk_bigrams: bool = True
    _cache: dict[str, _Chunk] = field(default_factory=dict, init=False, repr=False, compare=False)
    # PyStemmer objects are not thread-safe; chunk analysis (cache misses only) holds this lock.
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    _stemmer: Stemmer.Stemmer = field(
        default_factory=lambda: Stemmer.Stemmer("english"), init=False, repr=False, compare=False
    )

    def options(self) -> dict[str, bool]:
        """The options as a JSON-ready dict (saved with an index; ``Analyzer(**options)``)."""
        return {"stem": self.stem, "stopwords": self.stopwords, "cjk_bigrams": self.cjk_bigrams}

    def tokens(self, text: str) -> list[str]:
        """Index terms of ``text`` in order (repeats kept: they are term frequencies)."""
        if not isinstance(text, str) or not text:
            return []
        text = self._normalise(text)
        out: list[str] = []
        cache = self._cache
        unit_num: str | None = None  # number the next chunk may attach a unit to
        dim_num: str | None = None  # number a following "x" chunk may join
        dim_left: str | None = None  # "2" after "2 x": waiting for the right-hand number
        for chunk in _CHUNK.findall(text):
            if _CJK_CHAR.match(chunk):
                out.extend(self._cjk(chunk))
                unit_num = dim_num = dim_left = None
                continue
            info = cache.get(chunk)
            if info is None:
                info = self._analyse_chunk(chunk)
            if dim_left is not None and info.lead_num is not None:
                out.append(f"{dim_left}x{info.lead_num}")
            elif dim_num is not None and info.x_num is not None:
                out.append(f"{dim_num}x{info.x_num}")
            dim_left = None
            if unit_num is not None and info.unit is not None:
                out.append(info.unit)
                out.append(unit_num + info.unit)
                unit_num = None  # "2 in." keeps dim_num, so "2 in. x 4 in." still gives 2x4
                continue
            if dim_num is not None and chunk == "x":
                dim_left, unit_num, dim_num = dim_num, None, None
                continue
            out.extend(info.terms)
            unit_num, dim_num = info.trail_num, info.dim_num
        return out

    @staticmethod
    def _normalise(text: str) -> str:
        """NFKC, lower case and the look-alike folds; each regex runs only if it can match."""
        text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
        if "&amp;" in text:
            text = text.replace("&amp;", "&")
        if "," in text:
            text = _THOUSANDS.sub("", text)
        if "*" in text:
            text = _STAR_DIM.sub("x", text)
        if '"' in text:
            text = _INCH_MARK.sub(" in ", text)
        if "'" in text:
            text = _INCH_MARK.sub(" in ", text)
            text = _FOOT_MARK.sub(" ft ", text)
            text = _WORD_APOSTROPHE.sub("", text)
        return text

    def _cjk(self, run: str) -> list[str]:
        if not self.cjk_bigrams or len(run) == 1:
            return list(run)
        return [run[i : i + 2] for i in range(len(run) - 1)]

    def _word(self, word: str) -> str | None:
        """One letter run outside a unit position: stop word -> None, else (stemmed) term."""
        if self.stopwords and word in STOPWORDS:
            return None
        unit = UNITS.get(word)
        if unit is not None and word not in AMBIGUOUS_UNITS:
            return unit
        if self.stem:
            return str(self._stemmer.stemWord(word))
        return word

    def _analyse_chunk(self, chunk: str) -> _Chunk:
        """Terms of one chunk (rules 2-7 of the module docstring), stored in the cache."""
        with self._lock:
            atoms = _ATOM.findall(chunk)
            terms: list[str] = []
            glued: list[str] = []  # atoms in canonical form, for the joined term
            dim_num: str | None = None
            i, n = 0, len(atoms)
            while i < n:
                atom = atoms[i]
                prev = atoms[i - 1] if i else ""
                if _is_number(atom):
                    if "-" in atom:  # 1-1/2: the whole, its parts, so "1 1/2" also matches
                        whole, _, frac = atom.partition("-")
                        terms.extend((whole, frac))
                    terms.append(atom)
                    glued.append(atom)
                    dim_num = atom
                elif prev and _is_number(prev) and atom in UNITS:
                    unit = UNITS[atom]
                    terms.extend((unit, prev + unit))
                    glued.append(unit)
                elif (
                    atom == "x"
                    and prev
                    and _is_number(prev)
                    and i + 1 < n
                    and (_is_number(atoms[i + 1]))
                ):
                    terms.append(f"{prev}x{atoms[i + 1]}")
                    glued.append("x")
                else:
                    word = self._word(atom)
                    if word is not None:
                        terms.append(word)
                    glued.append(atom)
                    dim_num = None
                i += 1
            if n > 1:
                joined = "".join(glued)
                if joined.isalpha() and self.stem:
                    joined = str(self._stemmer.stemWord(joined))
                terms.append(joined)
            first = atoms[0] if atoms else ""
            last = atoms[-1] if atoms else ""
            info = _Chunk(
                terms=tuple(dict.fromkeys(terms)),  # "2x4" comes as dimension and joined form
                unit=UNITS.get(chunk) if n == 1 else None,
                lead_num=first if first and _is_number(first) else None,
                trail_num=last if last and _is_number(last) else None,
                dim_num=dim_num,
                x_num=atoms[1] if n > 1 and first == "x" and _is_number(atoms[1]) else None,
            )
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[chunk] = info
            return info
