"""Search synonyms: rules that add related terms to a query, kept as the ``synonyms`` asset.

**Rules.** Two kinds, written one per line as in Solr / Elasticsearch synonym files:

- ``sofa, couch, settee``: an *equivalence group*; each term expands to all the others.
- ``tv, telly => television``: a *one-way rule*; each term on the left expands to every term on
  the right, never the other way round.

A term may have several words (``flat screen, flat panel``). Blank lines and lines whose first
non-blank character is ``#`` are ignored. A line with an empty term or side, more than one
``=>``, or a group with a single term is an error that names the line.

**Matching** runs on analysed tokens: every rule term goes through the same
:class:`~shopmind.search.analyze.Analyzer` as the index, so case, plurals and stemming match the
way they do in the index ("Couches" matches the rule term "couch"). A multi-word term matches
where its tokens appear consecutively in the query. Every match counts, overlapping ones too
("flat screen tv" can match both "flat screen" and "tv").

**Weights.** :meth:`Synonyms.expand` keeps the query's own tokens at weight 1.0 and appends the
tokens of the matched rules' other terms at :data:`EXPANSION_WEIGHT` (0.5 by default, the same
discount a typo stand-in gets), each once, and never a token the query already has: "flat screen"
expanding to "flat panel" adds only ``panel``.

**Storage.** :meth:`Synonyms.save` writes ``synonyms.json`` (the rules as written and the weight,
plain JSON). :func:`build_synonyms_asset` commits a new ``synonyms@N`` from a rules text and
:func:`load_synonyms` reads one back.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.search.analyze import Analyzer
from shopmind.workspace import AssetVersion, Workspace

ASSET = "synonyms"
FILE = "synonyms.json"
FORMAT = "shopmind.synonyms"
FORMAT_VERSION = 1
# Weight of an expansion token relative to a token the user typed. Half a match: a synonym is
# good evidence but not as good as the word itself, so a product with the typed word still
# ranks first. Same value as the BM25 typo stand-ins' default ``typo_weight``.
EXPANSION_WEIGHT = 0.5
ARROW = "=>"
_SPACES = re.compile(r"\s+")

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class SynonymRule:
    """One rule as written: ``terms`` is the group, or the left side of a one-way rule, whose
    right side is ``targets`` (empty for a group). ``line``: where it was read, if from text."""

    terms: tuple[str, ...]
    targets: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)

    @property
    def one_way(self) -> bool:
        """True for ``a => b`` rules, False for equivalence groups."""
        return bool(self.targets)

    def to_text(self) -> str:
        """The rule as one line of the text format."""
        left = ", ".join(self.terms)
        return f"{left} {ARROW} {', '.join(self.targets)}" if self.targets else left

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-ready form: ``{"terms": [...]}`` plus ``"targets"`` for a one-way rule."""
        out = {"terms": list(self.terms)}
        if self.targets:
            out["targets"] = list(self.targets)
        return out


def _where(line: int | None) -> str:
    return f"synonyms line {line}" if line is not None else "synonym rule"


def _split_terms(side: str, line: int | None, what: str) -> tuple[str, ...]:
    """Comma-separated terms of one side, whitespace-normalised; errors on an empty one."""
    if not side.strip():
        raise InvalidArgument(f"{_where(line)}: empty {what}", argument="synonyms", line=line)
    terms = tuple(_SPACES.sub(" ", t).strip() for t in side.split(","))
    if any(not t for t in terms):
        raise InvalidArgument(
            f"{_where(line)}: empty term in {what} {side.strip()!r}",
            argument="synonyms",
            line=line,
        )
    return terms


def parse_rule(text: str, line: int | None = None) -> SynonymRule:
    """One line of the text format (not blank, not a comment) as a rule."""
    if text.count(ARROW) > 1:
        raise InvalidArgument(
            f"{_where(line)}: more than one {ARROW!r} in {text.strip()!r}",
            argument="synonyms",
            line=line,
        )
    if ARROW in text:
        left, _, right = text.partition(ARROW)
        return SynonymRule(
            _split_terms(left, line, "left side"), _split_terms(right, line, "right side"), line
        )
    terms = _split_terms(text, line, "rule")
    if len(set(terms)) < 2:
        raise InvalidArgument(
            f"{_where(line)}: a rule with a single term {terms[0]!r} (write 'a, b' or "
            f"'a {ARROW} b')",
            argument="synonyms",
            line=line,
        )
    return SynonymRule(terms, (), line)


def parse_rules(text: str) -> list[SynonymRule]:
    """Every rule of a text in the Solr-style format, in order; line numbers start at 1."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped and not stripped.startswith("#"):
            rules.append(parse_rule(stripped, number))
    return rules


class Synonyms:
    """Synonym rules compiled for one analyzer: analysed term -> analysed terms it adds.

    Read-only once made, so one object can serve concurrent queries. ``weight`` (in (0, 1]) is
    the weight of each expansion token; ``analyzer`` must be the index's (see
    :meth:`with_analyzer`).
    """

    def __init__(
        self,
        rules: Iterable[SynonymRule] = (),
        analyzer: Analyzer | None = None,
        weight: float = EXPANSION_WEIGHT,
    ) -> None:
        if isinstance(weight, bool) or not (
            isinstance(weight, int | float) and math.isfinite(weight) and 0.0 < weight <= 1.0
        ):
            raise InvalidArgument(f"weight must be in (0, 1], got {weight!r}", argument="weight")
        self.rules = tuple(rules)
        self.analyzer = analyzer or Analyzer()
        self.weight = float(weight)
        # first token of a source phrase -> (source phrase, its target phrases), longest first
        self._by_first: dict[str, list[tuple[Phrase, list[Phrase]]]] = {}
        self._compile()

    @classmethod
    def parse(
        cls, text: str, analyzer: Analyzer | None = None, weight: float = EXPANSION_WEIGHT
    ) -> Synonyms:
        """Rules from the text format (module docstring); ``InvalidArgument`` names a bad line."""
        return cls(parse_rules(text), analyzer, weight)

    def __len__(self) -> int:
        return len(self.rules)

    def counts(self) -> dict[str, int]:
        """How many rules: ``rules`` in all, ``equivalent`` groups and ``one_way`` rules."""
        one_way = sum(r.one_way for r in self.rules)
        return {
            "rules": len(self.rules),
            "equivalent": len(self.rules) - one_way,
            "one_way": one_way,
        }

    def to_text(self) -> str:
        """The rules in the text format, one per line."""
        return "".join(r.to_text() + "\n" for r in self.rules)

    def with_analyzer(self, analyzer: Analyzer) -> Synonyms:
        """The same rules compiled for ``analyzer`` (``self`` when it already is)."""
        if analyzer == self.analyzer:
            return self
        return Synonyms(self.rules, analyzer, self.weight)

    def _phrase(self, term: str, rule: SynonymRule) -> Phrase:
        tokens = tuple(self.analyzer.tokens(term))
        if not tokens:
            raise InvalidArgument(
                f"{_where(rule.line)}: term {term!r} has no searchable words "
                f"(only stop words or punctuation) in {rule.to_text()!r}",
                argument="synonyms",
                line=rule.line,
            )
        return tokens

    def _compile(self) -> None:
        targets: dict[Phrase, dict[Phrase, None]] = {}  # dicts as ordered sets
        for rule in self.rules:
            left = [self._phrase(t, rule) for t in rule.terms]
            right = [self._phrase(t, rule) for t in rule.targets] if rule.one_way else left
            for source in left:
                found = targets.setdefault(source, {})
                found.update((t, None) for t in right if t != source)
        for source, found in targets.items():
            if found:
                self._by_first.setdefault(source[0], []).append((source, list(found)))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))

    def expansions(self, tokens: Sequence[str]) -> dict[str, list[str]]:
        """Matched source term (its tokens joined by a space) -> the new tokens it adds.

        A token the query has, or that an earlier match added, is not added again; matches
        that add nothing are left out.
        """
        seen = set(tokens)
        out: dict[str, list[str]] = {}
        for i, token in enumerate(tokens):
            for source, found in self._by_first.get(token, ()):
                if tuple(tokens[i : i + len(source)]) != source:
                    continue
                added = []
                for phrase in found:
                    for t in phrase:
                        if t not in seen:
                            seen.add(t)
                            added.append(t)
                if added:
                    out.setdefault(" ".join(source), []).extend(added)
        return out

    def expand(self, tokens: list[str]) -> list[tuple[str, float]]:
        """``tokens`` at weight 1.0 (in order, repeats kept), then each expansion token once at
        :attr:`weight`, never one already present."""
        out = [(t, 1.0) for t in tokens]
        for added in self.expansions(tokens).values():
            out.extend((t, self.weight) for t in added)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document :meth:`save` writes."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "weight": self.weight,
            "rules": [r.to_dict() for r in self.rules],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], analyzer: Analyzer | None = None) -> Synonyms:
        """Read :meth:`to_dict`'s form; ``InvalidArgument`` on a malformed document."""
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise InvalidArgument(
                f"not a {FORMAT} v{FORMAT_VERSION} document: format {data.get('format')!r} "
                f"v{data.get('version')!r}",
                argument="synonyms",
            )
        raw_rules = data.get("rules", [])
        if not isinstance(raw_rules, list):
            raise InvalidArgument("rules must be a list", argument="synonyms")
        rules = []
        for i, raw in enumerate(raw_rules):
            if not isinstance(raw, Mapping):
                raise InvalidArgument(f"rule {i}: not an object", argument="synonyms")
            terms, targets = raw.get("terms"), raw.get("targets", [])
            if not (isinstance(terms, list) and isinstance(targets, list)) or not all(
                isinstance(t, str) and t.strip() for t in [*terms, *targets]
            ):
                raise InvalidArgument(
                    f"rule {i}: terms and targets must be lists of non-empty strings",
                    argument="synonyms",
                )
            if not terms or (not targets and len(set(terms)) < 2):
                raise InvalidArgument(
                    f"rule {i}: needs two terms, or a left and a right side", argument="synonyms"
                )
            rules.append(SynonymRule(tuple(terms), tuple(targets)))
        return cls(rules, analyzer, data.get("weight", EXPANSION_WEIGHT))

    def save(self, folder: str | Path) -> None:
        """Write ``synonyms.json`` into ``folder`` (made if missing)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        (folder / FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path, analyzer: Analyzer | None = None) -> Synonyms:
        """Read what :meth:`save` wrote; ``NotFound`` if missing, ``InputFileError`` if bad."""
        path = Path(folder) / FILE
        if not path.is_file():
            raise NotFound(f"no synonyms file {path}", path=str(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return cls.from_dict(data, analyzer)
        except (ValueError, InvalidArgument) as exc:
            raise InputFileError(f"unreadable synonyms in {path}: {exc}", path=str(path)) from exc


def build_synonyms_asset(
    ws: Workspace, rules_text: str, source: str | None, weight: float = EXPANSION_WEIGHT
) -> AssetVersion:
    """Commit ``synonyms@N`` from a rules text; ``source`` names where it came from (a path).

    The text is checked in full first, so a bad line commits nothing.
    """
    started = time.perf_counter()
    synonyms = Synonyms.parse(rules_text, weight=weight)
    counts = synonyms.counts()
    raw = rules_text.encode("utf-8")
    with ws.transaction("search.synonyms") as txn:
        staged = txn.stage(ASSET)
        synonyms.save(staged.dir)
        staged.describe(
            params={**counts, "weight": synonyms.weight},
            sources=(
                ({"path": source, "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()},)
                if source
                else ()
            ),
            rows=counts["rules"],
            columns=(),
            report={"seconds": round(time.perf_counter() - started, 3)},
        )
    return txn.committed[0]


def load_synonyms(
    ws: Workspace, version: AssetVersion | None = None, analyzer: Analyzer | None = None
) -> Synonyms:
    """The rules of ``version`` (the newest ``synonyms`` when None; ``NotFound`` if none)."""
    version = version if version is not None else ws.get(ASSET)
    if version.ref.name != ASSET:
        raise InvalidArgument(f"{version.ref} is not a {ASSET!r} asset version", argument="version")
    return Synonyms.load(ws.version_dir(version.ref), analyzer)
