"""Field and table specifications shared by every contract."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa


class FieldType(StrEnum):
    """Logical type of a canonical field and the Arrow type it is stored as."""

    STRING = "string"
    FLOAT = "float"
    INT = "int"
    TIMESTAMP = "timestamp"
    JSON = "json"  # a JSON object of scalar values, stored as compact text with sorted keys
    ENUM = "enum"

    def arrow(self) -> pa.DataType:
        return {
            FieldType.STRING: pa.string(),
            FieldType.FLOAT: pa.float64(),
            FieldType.INT: pa.int64(),
            FieldType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
            FieldType.JSON: pa.string(),
            FieldType.ENUM: pa.string(),
        }[self]


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field: its type, whether it is required, its range and its aliases.

    ``required_when`` names an ``event_type`` value set under which the field becomes
    required (``item_id`` for every event but ``search``; ``query`` for ``search``).
    """

    name: str
    type: FieldType
    required: bool = False
    aliases: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    minimum: float | None = None
    enum: tuple[str, ...] = ()
    enum_aliases: dict[str, str] = field(default_factory=dict)
    required_when: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class TableContract:
    """A canonical table: ordered fields, the key that identifies a row, and its extras rule."""

    kind: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    # Where unrecognised source columns go: "attributes" folds them into that JSON field,
    # "ignore" lists them in the ingest report.
    extras: str = "ignore"

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def arrow_schema(self) -> pa.Schema:
        """Schema of the accepted table (canonical fields in contract order)."""
        return pa.schema([pa.field(f.name, f.type.arrow()) for f in self.fields])

    def tags(self) -> dict[str, frozenset[str]]:
        return {f.name: f.tags for f in self.fields if f.tags}


def normalise_column_name(name: str) -> str:
    """Lower-case, trimmed, non-alphanumeric runs folded to ``_`` ("Product ID" -> product_id)."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
