"""Planted near-duplicates: copies of catalog products under a new id, with the edits real
catalogs show (re-listed by another seller, re-typed, re-formatted). The ground truth for
measuring near-duplicate detection.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa

from shopmind.errors import InvalidArgument

EDITS = ("case_and_spacing", "word_swap", "typo", "drop_brand", "unit_format", "drop_attribute")


def _typo(text: str, rng: np.random.Generator) -> str:
    letters = [i for i, c in enumerate(text[:-1]) if c.isalpha() and text[i + 1].isalpha()]
    if not letters:
        return text + " "
    i = int(rng.choice(letters))
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _edit(row: dict[str, object], edit: str, rng: np.random.Generator) -> dict[str, object]:
    out = dict(row)
    title = str(row["title"])
    if edit == "case_and_spacing":
        out["title"] = "  ".join(title.upper().split()) + " -"
    elif edit == "word_swap":
        words = title.split()
        if len(words) > 2:
            i = int(rng.integers(0, len(words) - 1))
            words[i], words[i + 1] = words[i + 1], words[i]
        out["title"] = " ".join(words)
    elif edit == "typo":
        out["title"] = _typo(title, rng)
    elif edit == "drop_brand":
        brand = str(row.get("brand") or "")
        out["title"] = title.replace(brand, "").strip() if brand else title
        out["brand"] = None
    elif edit == "unit_format":
        out["title"] = re.sub(r"(\d+)\s*(in|cm|ml|l|oz|gb|w)\b\.?", r"\1-\2", title, flags=re.I)
        if out["title"] == title:
            out["title"] = title + " (1 pc)"
    elif edit == "drop_attribute":
        attrs = json.loads(str(row.get("attributes") or "{}"))
        if attrs:
            attrs.pop(sorted(attrs)[0])
        out["attributes"] = json.dumps(attrs, sort_keys=True) if attrs else None
    return out


def plant_duplicates(
    products: pa.Table, n: int, seed: int = 0
) -> tuple[pa.Table, list[tuple[str, str, str]]]:
    """Append ``n`` edited copies of distinct random products; return the table and the
    planted ``(original_id, copy_id, edit)`` triples. Copy ids are ``<original>-dup``."""
    if not 0 <= n <= products.num_rows:
        raise InvalidArgument(f"n must be in [0, {products.num_rows}], got {n}", argument="n")
    rng = np.random.default_rng(seed)
    rows = products.to_pylist()
    picks = rng.choice(len(rows), size=n, replace=False)
    copies, truth = [], []
    for k, i in enumerate(picks):
        edit = EDITS[k % len(EDITS)]
        copy = _edit(rows[int(i)], edit, rng)
        copy["item_id"] = f"{rows[int(i)]['item_id']}-dup"
        copies.append(copy)
        truth.append((str(rows[int(i)]["item_id"]), str(copy["item_id"]), edit))
    table = pa.concat_tables([products, pa.Table.from_pylist(copies, schema=products.schema)])
    return table, truth
