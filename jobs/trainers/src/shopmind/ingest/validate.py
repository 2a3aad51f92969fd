"""Row validation and normalisation against a contract, one chunk at a time, in DuckDB SQL.

For each chunk one SQL statement parses every canonical field from its source text and names,
per row, the first field that breaks a rule. Rules (docs/data-contracts.md):

* required fields must be present and non-blank;
* numbers must parse (currency symbols and thousands separators are stripped) and be finite
  and within range (price >= 0, stock >= 0, quantity >= 1);
* timestamps must be ISO 8601 (naive ones are taken as UTC) or epoch seconds/milliseconds,
  not before ``ingest_min_year`` and not more than ``ingest_max_future_s`` past the ingest time;
* enums must be one of their values or a documented alias (``pv`` -> ``view``);
* URLs, currency and language codes must be well-formed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from shopmind.contracts import FieldSpec, FieldType, TableContract
from shopmind.workspace.engine import lit, q

CURRENCY_SYMBOLS = (
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "CNY"),
    ("元", "CNY"),
    ("RMB", "CNY"),
    ("₹", "INR"),
    ("₩", "KRW"),
)
_TEXT_FIELDS = {"title", "description", "brand", "category", "query", "segment"}


@dataclass(frozen=True)
class Rules:
    """Run-time bounds for one ingest job."""

    now: datetime
    max_future_s: int
    min_year: int
    default_currency: str


def _clean_text(src: str, spec: FieldSpec) -> str:
    if spec.name in _TEXT_FIELDS:
        expr = f"regexp_replace(trim({src}), '\\s+', ' ', 'g')"
    else:
        expr = f"trim({src})"
    if spec.name == "category":
        expr = f"regexp_replace({expr}, '\\s*>\\s*', ' > ', 'g')"
    if spec.name == "currency":
        expr = f"upper({expr})"
    if spec.name == "language":
        expr = f"lower(replace({expr}, '_', '-'))"
    return f"NULLIF({expr}, '')"


def _number_text(raw: str) -> str:
    """Source text with symbols and grouping removed, ready for TRY_CAST."""
    stripped = f"regexp_replace({raw}, '[\\s$€£¥￥元₹₩]|USD|EUR|GBP|CNY|RMB|INR|KRW', '', 'gi')"
    # 1,299.50 -> 1299.50 ; 12,5 -> 12.5 (a lone comma with 1-2 decimals is a decimal comma)
    return (
        f"CASE WHEN regexp_full_match({stripped}, '[+-]?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?') "
        f"THEN replace({stripped}, ',', '') "
        f"WHEN regexp_full_match({stripped}, '[+-]?\\d+,\\d{{1,2}}') "
        f"THEN replace({stripped}, ',', '.') ELSE {stripped} END"
    )


def _parse(spec: FieldSpec, raw: str) -> str:
    """SQL expression producing the field's typed value (NULL when absent or unparseable)."""
    if spec.type in (FieldType.STRING, FieldType.JSON):
        return _clean_text(raw, spec)
    if spec.type == FieldType.ENUM:
        norm = f"regexp_replace(lower(trim({raw})), '[\\s-]+', '_', 'g')"
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in spec.enum_aliases.items())
        allowed = ", ".join(lit(v) for v in spec.enum)
        # exact values skip the normalising regex and the alias table
        return (
            f"CASE WHEN {raw} IN ({allowed}) THEN {raw} "
            f"ELSE NULLIF(CASE {norm} {cases} ELSE {norm} END, '') END"
        )
    if spec.type == FieldType.FLOAT:
        # Plain numbers take the cheap cast; only the rest pay for the symbol-stripping regexes.
        return f"COALESCE(TRY_CAST(trim({raw}) AS DOUBLE), TRY_CAST({_number_text(raw)} AS DOUBLE))"
    if spec.type == FieldType.INT:
        text = f"regexp_replace(trim({raw}), '\\.0+$', '')"
        return f"TRY_CAST({text} AS BIGINT)"
    if spec.type == FieldType.TIMESTAMP:
        t = f"trim({raw})"
        # ISO 8601 first (the common case, and digits-only text never parses as ISO here);
        # epoch seconds / milliseconds only where that fails.
        return (
            f"COALESCE(TRY_CAST({t} AS TIMESTAMPTZ), "
            f"CASE WHEN regexp_full_match({t}, '\\d{{1,10}}(\\.\\d+)?') "
            f"THEN to_timestamp(CAST({t} AS DOUBLE)) "
            f"WHEN regexp_full_match({t}, '\\d{{11,13}}') "
            f"THEN to_timestamp(CAST({t} AS DOUBLE) / 1000.0) END)"
        )
    raise AssertionError(spec.type)


def _checks(
    spec: FieldSpec, raw: str, val: str, rules: Rules, event_col: str | None
) -> list[tuple[str, str, str]]:
    """(SQL condition, check code, SQL reason text) triples, in the order they are tested."""
    present = f"NULLIF(trim({raw}), '') IS NOT NULL"
    shown = f"left({raw}, 60)"
    out: list[tuple[str, str, str]] = []
    if spec.required:
        out.append((f"NOT ({present})", "missing", lit(f"{spec.name}: required value is missing")))
    elif spec.required_when and event_col is not None:
        when = ", ".join(lit(v) for v in spec.required_when)
        out.append(
            (
                f"{event_col} IN ({when}) AND NOT ({present})",
                "missing",
                f"'{spec.name}: required for ' || {event_col} || ' events'",
            )
        )
    if spec.type == FieldType.FLOAT:
        out.append(
            (
                f"{present} AND ({val} IS NULL OR NOT isfinite({val}))",
                "not_a_number",
                f"'{spec.name}: not a number: ' || {shown}",
            )
        )
    if spec.type == FieldType.INT:
        out.append(
            (
                f"{present} AND {val} IS NULL",
                "not_an_integer",
                f"'{spec.name}: not an integer: ' || {shown}",
            )
        )
    if spec.minimum is not None and spec.type in (FieldType.FLOAT, FieldType.INT):
        bound = spec.minimum if spec.type == FieldType.FLOAT else int(spec.minimum)
        out.append(
            (
                f"{val} < {bound}",
                "out_of_range",
                f"'{spec.name}: must be >= {bound}, got ' || {shown}",
            )
        )
    if spec.type == FieldType.TIMESTAMP:
        out.append(
            (
                f"{present} AND {val} IS NULL",
                "bad_timestamp",
                f"'{spec.name}: not a timestamp (ISO 8601 or epoch seconds/ms): ' || {shown}",
            )
        )
        limit = rules.now.timestamp() + rules.max_future_s
        out.append(
            (
                f"{val} > to_timestamp({limit})",
                "future_timestamp",
                f"'{spec.name}: more than {rules.max_future_s} s in the future: ' || {shown}",
            )
        )
        out.append(
            (
                f"{val} < make_timestamptz({rules.min_year}, 1, 1, 0, 0, 0, 'UTC')",
                "out_of_range",
                f"'{spec.name}: before {rules.min_year}-01-01: ' || {shown}",
            )
        )
    if spec.type == FieldType.ENUM:
        allowed = ", ".join(lit(v) for v in spec.enum)
        out.append(
            (
                f"{val} IS NOT NULL AND {val} NOT IN ({allowed})",
                "unknown_value",
                f"'{spec.name}: unknown value ' || {shown} || '; expected one of "
                f"{', '.join(spec.enum)}'",
            )
        )
    if spec.name == "image_url":
        out.append(
            (
                f"{val} IS NOT NULL AND NOT regexp_full_match({val}, 'https?://\\S+')",
                "bad_format",
                f"'{spec.name}: not an http(s) URL: ' || {shown}",
            )
        )
    if spec.name == "currency":
        out.append(
            (
                f"{val} IS NOT NULL AND NOT regexp_full_match({val}, '[A-Z]{{3}}')",
                "bad_format",
                f"'{spec.name}: not a 3-letter ISO 4217 code: ' || {shown}",
            )
        )
    if spec.name == "language":
        pattern = "'[a-z]{2,3}(-[a-z0-9]+)*'"
        out.append(
            (
                f"{val} IS NOT NULL AND NOT regexp_full_match({val}, {pattern})",
                "bad_format",
                f"'{spec.name}: not a language code: ' || {shown}",
            )
        )
    return out


def build_sql(contract: TableContract, mapping: dict[str, str], rules: Rules) -> str:
    """One SELECT over table ``src`` (string columns) with column ``_idx`` (row position).

    Returns every canonical field (typed), plus ``_check``/``_field``/``_reason`` that are NULL
    for rows that pass.
    """
    values: dict[str, str] = {}
    raws: dict[str, str] = {}
    for spec in contract.fields:
        raws[spec.name] = q(mapping[spec.name]) if spec.name in mapping else "NULL::VARCHAR"
        values[spec.name] = _parse(spec, raws[spec.name])
    if contract.kind == "products":
        symbol = " ".join(
            f"WHEN strpos(upper({raws['price']}), {lit(s)}) > 0 THEN {lit(c)}"
            for s, c in CURRENCY_SYMBOLS
        )
        values["currency"] = (
            f"CASE WHEN {values['price']} IS NULL THEN {values['currency']} "
            f"ELSE COALESCE({values['currency']}, CASE {symbol} ELSE NULL END, "
            f"{lit(rules.default_currency)}) END"
        )
        values["language"] = (
            f"COALESCE({values['language']}, CASE WHEN regexp_matches({raws['title']}, "
            f"'[\\x{{4e00}}-\\x{{9fff}}]') THEN 'zh' ELSE 'en' END)"
        )
    event_col = q("event_type") if contract.kind == "events" else None

    conds: list[tuple[str, str, str, str]] = []
    for spec in contract.fields:
        raw_ref = q("__raw_" + spec.name)
        for cond, check, reason in _checks(spec, raw_ref, q(spec.name), rules, event_col):
            conds.append((cond, check, spec.name, reason))
    # Each condition is evaluated once: ``_fail`` is the 1-based index of the first failing
    # check; check code, field and reason are looked up from it (only failing rows pay).
    fail_case = " ".join(f"WHEN {c} THEN {i}" for i, (c, _k, _f, _r) in enumerate(conds, 1))
    checks = "[" + ", ".join(lit(k) for _c, k, _f, _r in conds) + "]"
    fields = "[" + ", ".join(lit(f) for _c, _k, f, _r in conds) + "]"
    reason_case = " ".join(f"WHEN {i} THEN {r}" for i, (_c, _k, _f, r) in enumerate(conds, 1))
    parsed = ", ".join(f"{expr} AS {q(name)}" for name, expr in values.items())
    raw_cols = ", ".join(
        f"{raws[spec.name]} AS {q('__raw_' + spec.name)}" for spec in contract.fields
    )
    out_cols = ", ".join(q(spec.name) for spec in contract.fields)
    return (
        f"SELECT _idx, {out_cols}, {checks}[_fail] AS _check, {fields}[_fail] AS _field, "
        f"CASE _fail {reason_case} END AS _reason FROM ("
        f"SELECT *, CASE {fail_case} END AS _fail FROM ("
        f"SELECT _idx, {raw_cols}, {parsed} FROM src))"
    )


def run_validation(con: duckdb.DuckDBPyConnection, src: pa.Table, sql: str) -> pa.Table:
    """Run ``sql`` (from :func:`build_sql`) over ``src``; ``src`` must have an ``_idx`` column."""
    con.register("src", src)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister("src")
