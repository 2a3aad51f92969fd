"""Mapping source columns onto a contract's canonical fields.

Order of precedence for each canonical field: an explicit ``--map src=field``, then a source
column already named like the field, then the field's aliases in the order the contract lists
them (most specific first). Names are compared after :func:`normalise_column_name`, so
"Product ID" matches the alias ``product_id``. A source column is used for one field at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shopmind.contracts import TableContract
from shopmind.contracts.fields import normalise_column_name
from shopmind.errors import ContractError, InvalidArgument


@dataclass(frozen=True)
class ColumnMapping:
    """``fields``: canonical field -> source column. ``extra``: source columns left over."""

    fields: dict[str, str]
    extra: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"fields": dict(self.fields), "extra": list(self.extra)}


def parse_map_options(items: Sequence[str]) -> dict[str, str]:
    """``["src=field", ...]`` -> {field: src}; raises InvalidArgument naming the bad item."""
    out: dict[str, str] = {}
    for item in items:
        src, sep, dst = item.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise InvalidArgument(f"--map {item!r}: expected SRC=FIELD", argument="map")
        if dst.strip() in out:
            raise InvalidArgument(f"--map maps two columns onto {dst.strip()!r}", argument="map")
        out[dst.strip()] = src.strip()
    return out


def map_columns(
    contract: TableContract, source: Sequence[str], explicit: Mapping[str, str] | None = None
) -> ColumnMapping:
    """Decide which source column feeds each canonical field of ``contract``.

    Raises ContractError when a required field has no column (naming the field and the
    columns that were found) and InvalidArgument when ``explicit`` names unknown columns or
    fields.
    """
    explicit = dict(explicit or {})
    by_norm: dict[str, str] = {}
    col: str | None
    for col in source:
        by_norm.setdefault(normalise_column_name(col), col)
    fields: dict[str, str] = {}
    used: set[str] = set()
    for field_name, src in explicit.items():
        if field_name not in contract.names:
            raise InvalidArgument(
                f"--map {src}={field_name}: {field_name!r} is not a field of {contract.kind} "
                f"(fields: {', '.join(contract.names)})",
                argument="map",
            )
        if src not in source:
            raise InvalidArgument(
                f"--map {src}={field_name}: the file has no column {src!r} "
                f"(columns: {', '.join(source)})",
                argument="map",
            )
        fields[field_name] = src
        used.add(src)
    for spec in contract.fields:
        if spec.name in fields:
            continue
        for candidate in (spec.name, *spec.aliases):
            col = by_norm.get(normalise_column_name(candidate))
            if col is not None and col not in used:
                fields[spec.name] = col
                used.add(col)
                break
    missing = [f.name for f in contract.fields if f.required and f.name not in fields]
    if missing:
        raise ContractError(
            f"{contract.kind}: required column(s) {', '.join(missing)} not found; the file has "
            f"columns {', '.join(source) or '(none)'}. Use --map SRC=FIELD to name them.",
            missing=missing,
        )
    extra = tuple(c for c in source if c not in used)
    return ColumnMapping(fields=fields, extra=extra)
