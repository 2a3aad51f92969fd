"""Counts of personal data in the free-text columns of a table, for its quality profile.

Every version of a table with free text (product descriptions, search queries) records how
many e-mails, phone numbers and card numbers its text holds, per column, so a data team sees
personal data arrive and can tell which version brought it. A vectorised pre-filter (Arrow's
RE2 engine) keeps the Python detectors of :mod:`shopmind.privacy.pii` to the few values that
hold an ``@`` or a run of digits long enough to be a phone number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopmind.privacy.pii import KINDS, find_pii

# a value can only hold personal data the detectors find if it has an "@" or 8+ digits in a
# run broken by at most two separators at a time ("(415) 555-0132" has ") " in it)
MAYBE_PII = r"@|\d(?:[ ().+-]{0,2}\d){7,}"


def pii_counts(path: Path, columns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per column of ``columns`` in the Parquet file ``path``: how many of each kind of
    personal data its values hold, and how many values hold any (``rows``)."""
    present = [c for c in columns if c in pq.read_schema(path).names]
    table = pq.read_table(path, columns=present)
    out: dict[str, dict[str, Any]] = {}
    for name in present:
        column = pc.cast(table[name], "string")
        maybe = pc.fill_null(pc.match_substring_regex(column, MAYBE_PII), False)
        counts: Counter[str] = Counter()
        rows = 0
        for value in pc.filter(column, maybe).to_pylist():
            found = find_pii(value)
            counts.update(f.kind for f in found)
            rows += bool(found)
        out[name] = {**{kind: counts[kind] for kind in KINDS}, "rows": rows}
    return out
