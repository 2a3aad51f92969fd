"""Normalisation that runs on Arrow before validation: Unicode NFKC and attribute maps.

NFKC folds full-width and compatibility characters ("ＡＢＣ１２３" -> "ABC123"), which matters for
Chinese and Japanese shop text and for numbers typed on such keyboards. ASCII text is already in
NFKC, so only non-ASCII values pay for the Python call.
"""

from __future__ import annotations

import re
import unicodedata

import orjson
import pyarrow as pa
import pyarrow.compute as pc


def nfkc(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """NFKC-normalise a string column; ASCII values pass through untouched."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if not pc.any(non_ascii).as_py():
        return arr
    values = arr.filter(non_ascii).to_pylist()
    fixed = pa.array([unicodedata.normalize("NFKC", v) for v in values], type=pa.string())
    return pc.replace_with_mask(arr, non_ascii, fixed)


_PAIR = re.compile(r"\s*([^:=;|]+?)\s*[:=]\s*([^;|]*?)\s*(?:[;|]|$)")


def parse_attributes(text: str) -> dict[str, object] | None:
    """A JSON object, or ``key:value; key:value`` / ``k=v|k=v`` text, as a dict; None if neither."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(obj, dict):
            return None
        if any(isinstance(v, dict | list) for v in obj.values()):
            return None
        return {str(k).strip(): v for k, v in obj.items()}
    pairs = _PAIR.findall(stripped)
    rebuilt = len("".join(k + v for k, v in pairs))
    if not pairs or rebuilt == 0:
        return None
    return {k: v for k, v in pairs}


def merge_attributes(
    attributes: pa.Array | None, extras: dict[str, pa.Array], n: int
) -> tuple[pa.Array, list[int]]:
    """Build the ``attributes`` JSON column from a source column and extra source columns.

    Returns the JSON strings (None where empty) and the indices whose attributes text could
    not be parsed (those rows are rejected by the caller). Keys are sorted for stable hashes;
    extra columns only fill keys the attributes column does not already set.
    """
    base = attributes.to_pylist() if attributes is not None else [None] * n
    extra_lists = {k: v.to_pylist() for k, v in extras.items()}
    out: list[str | None] = []
    bad: list[int] = []
    for i in range(n):
        merged: dict[str, object] = {}
        text = base[i]
        if text is not None and text.strip() and text.strip() != "null":
            parsed = parse_attributes(text)
            if parsed is None:
                bad.append(i)
                out.append(None)
                continue
            merged.update({k: v for k, v in parsed.items() if v not in (None, "")})
        for key, values in extra_lists.items():
            value = values[i]
            if value is not None and value.strip() and key not in merged:
                merged[key] = value.strip()
        out.append(orjson.dumps(merged, option=orjson.OPT_SORT_KEYS).decode() if merged else None)
    return pa.array(out, type=pa.string()), bad
