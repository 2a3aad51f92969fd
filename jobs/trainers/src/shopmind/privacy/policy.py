"""What ingest does to personal data before it reaches an asset (docs/privacy.md).

Two rules, both from the settings:

* **identifiers** (columns tagged ``identifier``: user and session ids) are replaced by keyed
  pseudonyms (:mod:`shopmind.privacy.pseudonym`) when ``privacy_pseudonymize`` is on, in the
  accepted rows and in the source record a rejected row keeps in the quarantine;
* **free text** (columns tagged ``free_text``) has e-mails, phone and card numbers masked when
  ``privacy_mask_pii`` covers the column: ``user_text`` masks what users type (tagged ``pii``
  as well: search queries), ``all_text`` product text too.

A column's tags in the written version say what was done: ``pseudonymised`` next to ``pii``
and ``masked`` next to ``free_text``. The key's fingerprint goes into the version's params,
so versions written under different keys (which do not join) can be told apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shopmind.config import Settings
from shopmind.contracts import TableContract, contract_for
from shopmind.privacy.pii import KINDS, mask_pii
from shopmind.privacy.pseudonym import Pseudonymizer
from shopmind.privacy.scan import MAYBE_PII

IDENTIFIER = "identifier"
PSEUDONYMISED = "pseudonymised"
MASKED = "masked"


def workspace_pseudonymizer(root: Path, settings: Settings) -> Pseudonymizer | None:
    """The workspace's pseudonymizer, or None when ``privacy_pseudonymize`` is off."""
    if not settings.privacy_pseudonymize:
        return None
    return Pseudonymizer.for_workspace(root, settings.privacy_pseudonym_key)


def _identifiers(contract: TableContract) -> tuple[str, ...]:
    return tuple(f.name for f in contract.fields if IDENTIFIER in f.tags)


def _masked_columns(contract: TableContract, mode: str) -> frozenset[str]:
    if mode == "none":
        return frozenset()
    needed = {"free_text"} if mode == "all_text" else {"free_text", "pii"}
    return frozenset(f.name for f in contract.fields if needed <= f.tags)


@dataclass
class IngestPrivacy:
    """The privacy rules of one ingest job over one table contract (module docstring).

    ``masked_counts`` accumulates, per masked column, what was masked in the accepted rows:
    the quality profile reports it, since the written text no longer shows it.
    """

    contract: TableContract
    pseudonymizer: Pseudonymizer | None
    masked: frozenset[str]
    already_pseudonymised: bool = False

    def __post_init__(self) -> None:
        self.identifiers = _identifiers(self.contract)
        self.masked_counts: dict[str, Counter[str]] = {c: Counter() for c in self.masked}

    @classmethod
    def from_settings(
        cls,
        root: Path,
        settings: Settings,
        contract: TableContract,
        already_pseudonymised: bool = False,
    ) -> IngestPrivacy:
        """The rules the settings ask for. ``already_pseudonymised``: the input's identifiers
        were pseudonymised upstream (live events are, before they are logged), so values of
        the pseudonym form are kept rather than hashed twice."""
        return cls(
            contract,
            workspace_pseudonymizer(root, settings),
            _masked_columns(contract, settings.privacy_mask_pii),
            already_pseudonymised=already_pseudonymised,
        )

    @property
    def pseudonymises(self) -> bool:
        return self.pseudonymizer is not None

    def accepted(self, table: pa.Table) -> pa.Table:
        """Accepted rows (canonical columns) with identifiers pseudonymised and free text
        masked; the masked counts are added to :attr:`masked_counts`."""
        pseudonyms = self.pseudonymizer
        for name in self.identifiers:
            if pseudonyms is not None and name in table.column_names:
                i = table.column_names.index(name)
                # upstream-pseudonymised input (the event log) keeps its pseudonyms; a raw
                # id that reached it another way is still pseudonymised here
                column = pseudonyms.column(table[name], keep_pseudonyms=self.already_pseudonymised)
                table = table.set_column(i, name, column)
        for name in self.masked:
            if name in table.column_names:
                i = table.column_names.index(name)
                column, counts = mask_column(table[name])
                self.masked_counts[name].update(counts)
                table = table.set_column(i, name, column)
        return table

    def source(self, table: pa.Table, fields: Mapping[str, str]) -> pa.Table:
        """Source columns (as read, before validation) protected the same way, for the raw
        records of rejected rows. ``fields`` maps canonical field -> source column."""
        for field, src in fields.items():
            if src not in table.column_names:
                continue
            i = table.column_names.index(src)
            if field in self.identifiers and self.pseudonymizer is not None:
                values = pc.cast(table[src], pa.string())
                column = self.pseudonymizer.column(values, self.already_pseudonymised)
                table = table.set_column(i, src, column)
            elif field in self.masked and pa.types.is_string(table[src].type):
                table = table.set_column(i, src, mask_column(table[src])[0])
        return table

    def tags(self) -> dict[str, frozenset[str]]:
        """Column tags of the written version (the contract's, plus what was done)."""
        out = dict(self.contract.tags())
        for name in self.identifiers:
            extra = {PSEUDONYMISED} if self.pseudonymises else set()
            out[name] = out.get(name, frozenset()) - {IDENTIFIER} | extra
        for name in self.masked:
            out[name] = out.get(name, frozenset()) | {MASKED}
        return out

    def params(self) -> dict[str, Any]:
        """What to record in the version's params: whether and under which key."""
        pseudonyms = self.pseudonymizer
        return {
            "pseudonymised": list(self.identifiers) if pseudonyms is not None else [],
            "pseudonym_key": pseudonyms.fingerprint() if pseudonyms is not None else None,
            "masked": sorted(self.masked),
        }

    def quality(self) -> dict[str, dict[str, Any]]:
        """Per masked column: what was masked (the ``pii`` entry of the quality profile)."""
        return {
            name: {**{k: counts[k] for k in KINDS}, "rows": counts["rows"], "masked": True}
            for name, counts in self.masked_counts.items()
        }


def mask_column(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, Counter[str]]:
    """``values`` with personal data masked, and the counts per kind plus ``rows`` (values
    that held any). Only values the vectorised pre-filter flags go through Python."""
    column = pc.cast(values, pa.string())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    maybe = pc.fill_null(pc.match_substring_regex(column, MAYBE_PII), False)
    counts: Counter[str] = Counter()
    positions = pc.indices_nonzero(maybe).to_pylist()
    if not positions:
        return column, counts
    out = column.to_pylist()
    for i in positions:
        masked, found = mask_pii(out[i])
        if found:
            out[i] = masked
            counts.update(found)
            counts["rows"] += 1
    return pa.array(out, pa.string()), counts


@dataclass(frozen=True)
class LivePrivacy:
    """The same rules for what the service receives and looks up: live events are protected
    before they are logged, and a user id in a request is turned into the id the assets
    hold (its pseudonym) before any lookup."""

    pseudonymizer: Pseudonymizer | None
    identifiers: tuple[str, ...]
    masked: frozenset[str]

    @classmethod
    def from_settings(cls, root: Path, settings: Settings) -> LivePrivacy:
        events = contract_for("events")
        return cls(
            workspace_pseudonymizer(root, settings),
            _identifiers(events),
            _masked_columns(events, settings.privacy_mask_pii),
        )

    def user(self, user: str) -> str:
        """The id under which the assets and live state know ``user``: the pseudonym of the
        shop's id; a value that already is a pseudonym (copied from an asset) is kept."""
        pseudonyms = self.pseudonymizer
        if pseudonyms is None or pseudonyms.is_pseudonym(user):
            return user
        return pseudonyms.pseudonym(user)

    def event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """``event`` (a JSON object) with identifiers pseudonymised and free text masked."""
        out = dict(event)
        pseudonyms = self.pseudonymizer
        if pseudonyms is not None:
            for name in self.identifiers:
                value = out.get(name)
                if isinstance(value, str) and not pseudonyms.is_pseudonym(value):
                    out[name] = pseudonyms.pseudonym(value)
        for name in self.masked:
            value = out.get(name)
            if isinstance(value, str):
                out[name] = mask_pii(value)[0]
        return out
