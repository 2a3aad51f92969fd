"""Readers for public recommendation and search data sets, emitting canonical column names.

``PUBLIC_FORMATS[name].reader(kind)`` gives a :class:`~shopmind.ingest.sources.Reader` whose
chunks already use the canonical names of ``docs/data-contracts.md`` (``user_id``,
``item_id``, ``event_type``, ``timestamp``, ``title``, ``query``, ``relevance`` ...), so the
generic validation ingests them like any shop file. Files ending in ``.gz`` are decompressed.

Event types, as the data supports them (``reader(kind, event_type=...)`` overrides):
- ``seqrec``: ``purchase`` for Amazon reviews and yoochoose-buys, ``view`` for YooChoose clicks
  and MovieLens (judged from the folder name, see :func:`tabular.seqrec_event_type`).
- ``s3rec``, ``unisrec``: ``purchase`` (Amazon reviews stand for bought items).
- ``movielens``: ``view`` (a rating says the movie was watched); the rating is not kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shopmind.contracts.tables import EVENT_TYPES, KIND_ALIASES
from shopmind.errors import InvalidArgument
from shopmind.ingest.formats.homedepot import homedepot_reader
from shopmind.ingest.formats.sequences import s3rec_reader, unisrec_reader
from shopmind.ingest.formats.tabular import interactions_reader, items_reader
from shopmind.ingest.sources import Reader

__all__ = ["PUBLIC_FORMATS", "PublicFormat", "public_format"]


@dataclass(frozen=True)
class PublicFormat:
    """A public file format: which tables it yields and how to get a reader for each."""

    name: str
    description: str
    kinds: frozenset[str]
    # (kind, event_type or None for the format's default) -> reader; kind already checked.
    build: Callable[[str, str | None], Reader] = field(repr=False)

    def reader(self, kind: str, event_type: str | None = None) -> Reader:
        """The reader producing ``kind`` rows (``events``, ``products``, ``judgements``).

        ``event_type`` overrides the event type the format assigns (events only).
        Raises :class:`InvalidArgument` naming ``kind`` or ``event_type`` when not supported.
        """
        canonical = KIND_ALIASES.get(kind, kind)
        if canonical not in self.kinds:
            raise InvalidArgument(
                f"format {self.name!r} cannot produce {kind!r}; it produces "
                f"{', '.join(sorted(self.kinds))}",
                argument="kind",
                value=kind,
            )
        if event_type is not None:
            if canonical != "events":
                raise InvalidArgument(
                    f"event_type applies to events only, not {kind!r}",
                    argument="event_type",
                    value=event_type,
                )
            if event_type not in EVENT_TYPES:
                raise InvalidArgument(
                    f"event_type {event_type!r} is not one of {', '.join(EVENT_TYPES)}",
                    argument="event_type",
                    value=event_type,
                )
        return self.build(canonical, event_type)


def _seqrec(kind: str, event_type: str | None) -> Reader:
    return interactions_reader(event_type) if kind == "events" else items_reader(int_ids=True)


def _s3rec(kind: str, event_type: str | None) -> Reader:
    return (
        s3rec_reader(event_type or "purchase") if kind == "events" else items_reader(int_ids=True)
    )


def _unisrec(kind: str, event_type: str | None) -> Reader:
    return (
        unisrec_reader(event_type or "purchase")
        if kind == "events"
        else items_reader(int_ids=False)
    )


def _movielens(kind: str, event_type: str | None) -> Reader:
    return (
        interactions_reader(event_type or "view")
        if kind == "events"
        else items_reader(int_ids=True)
    )


def _homedepot(kind: str, event_type: str | None) -> Reader:
    return homedepot_reader(kind)


_EVENTS_PRODUCTS = frozenset({"events", "products"})

PUBLIC_FORMATS: dict[str, PublicFormat] = {
    f.name: f
    for f in (
        PublicFormat(
            "seqrec",
            "SeqRecBenchmark TSVs: interactions.tsv[.gz] (user_id, item_id, timestamp in epoch "
            "s or ms) -> events; items.tsv[.gz] (item_id, title) -> products.",
            _EVENTS_PRODUCTS,
            _seqrec,
        ),
        PublicFormat(
            "s3rec",
            "S3-Rec sequences, one 'user item item ...' line per user (Beauty.txt) -> events "
            "with synthetic per-user timestamps; <name>_item_titles.tsv -> products.",
            _EVENTS_PRODUCTS,
            _s3rec,
        ),
        PublicFormat(
            "unisrec",
            "UniSRec atomic files: <name>.<split>.inter (history + target per line, ids mapped "
            "back through .user2index/.item2index) -> events with synthetic per-user "
            "timestamps; <name>.text (item text) -> products.",
            _EVENTS_PRODUCTS,
            _unisrec,
        ),
        PublicFormat(
            "movielens",
            "MovieLens: RecBole ml-100k.inter or SeqRecBenchmark interactions.tsv.gz -> view "
            "events (rating dropped); ml-100k.item or items.tsv.gz -> products (genres -> "
            "category + attributes).",
            _EVENTS_PRODUCTS,
            _movielens,
        ),
        PublicFormat(
            "homedepot",
            "Home Depot search relevance CSVs (ISO-8859-1): products.csv -> products; "
            "train_dev.csv -> judgements (search_term, product_uid, relevance), or the "
            "distinct products it judges.",
            frozenset({"products", "judgements"}),
            _homedepot,
        ),
    )
}


def public_format(name: str) -> PublicFormat:
    """The registered format ``name``; :class:`InvalidArgument` naming ``format`` otherwise."""
    try:
        return PUBLIC_FORMATS[name]
    except KeyError:
        raise InvalidArgument(
            f"unknown public format {name!r}; expected one of {', '.join(sorted(PUBLIC_FORMATS))}",
            argument="format",
            value=name,
        ) from None
