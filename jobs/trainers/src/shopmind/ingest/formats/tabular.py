"""Tab-separated files with a header line: interaction logs and item tables.

One reader of each kind covers the SeqRecBenchmark TSVs (``user_id item_id timestamp`` and
``item_id title``), RecBole atomic files (same names with ``:type`` suffixes, which the header
parser drops), the S3-Rec ``*_item_titles.tsv`` and the UniSRec ``.text`` file. Columns are
found by name, so their order does not matter; columns a reader has no use for are ignored
(interactions) or kept in ``attributes`` (items). The tab is part of these formats, so
``ReadOptions.delimiter`` is not consulted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shopmind.ingest.formats._common import (
    RECORD,
    ChunkBuilder,
    TextSource,
    column_index,
    compact_json,
    epoch_text,
    is_int,
)
from shopmind.ingest.sources import Reader, ReadOptions, SourceChunk

EVENT_COLUMNS = ("user_id", "item_id", "event_type", "timestamp")

# Source spellings, first match wins. ``s3rec_item_id`` is the id S3-Rec sequences use, so
# products read from the titles file join the events read from ``Beauty.txt``.
ITEM_ID = "item_id|s3rec_item_id"
TITLE = "title|movie_title|text"
GENRES = "class|genre|genres"


def seqrec_event_type(path: Path) -> str:
    """The event type a SeqRecBenchmark file's interactions stand for, judged by its folder.

    Amazon 5-core interactions are reviews, i.e. bought items, and yoochoose-buys are buys:
    ``purchase``. YooChoose clicks and MovieLens ratings record what was looked at or watched:
    ``view``. SeqRecBenchmark keeps one dataset per folder named after it, hence the test on
    the folder (and file) name.
    """
    name = f"{path.parent.name}/{path.name}".lower()
    if "click" in name or "movielens" in name or "ml-" in name:
        return "view"
    return "purchase"


def interactions_reader(event_type: str | None = None) -> Reader:
    """A reader of ``user_id item_id timestamp`` TSVs -> events columns.

    ``event_type`` None means :func:`seqrec_event_type` of the file. Ids must be integers
    (both SeqRecBenchmark and MovieLens number them); the timestamp is passed on as the epoch
    integer the file holds: seconds for Amazon and MovieLens, milliseconds for YooChoose (whose
    clicks are milliseconds apart, so rounding to seconds would scramble sequence order).
    Other columns (RecBole's ``rating``) are not carried: events have no rating field.
    """

    def read(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
        with TextSource(path, options) as src:
            header = src.header()
            where = column_index(src, header, ("user_id", "item_id", "timestamp"))
            width = len(header)
            at_user, at_item, at_time = where["user_id"], where["item_id"], where["timestamp"]
            kind = event_type or seqrec_event_type(path)
            out = ChunkBuilder(EVENT_COLUMNS, options.chunk_rows, {"event_type": kind})
            users, items, stamps = out.data["user_id"], out.data["item_id"], out.data["timestamp"]
            rows, limit = out.rows, options.chunk_rows
            for number, text in src.numbered(out):
                if len(rows) + len(out.rejected) >= limit:
                    yield out.flush()
                if text is None:
                    continue
                parts = text.split("\t")
                # Fast path for the clean line; anything else is diagnosed by _interaction.
                if (
                    len(parts) == width
                    and text.isascii()
                    and parts[at_user].isdigit()
                    and parts[at_item].isdigit()
                    and parts[at_time].isdigit()
                ):
                    users.append(parts[at_user])
                    items.append(parts[at_item])
                    stamps.append(parts[at_time])
                    rows.append(number)
                else:
                    _interaction(out, number, text, parts, width, (at_user, at_item, at_time))
            yield from out.tail()

    return read


def _interaction(
    out: ChunkBuilder,
    number: int,
    text: str,
    parts: list[str],
    width: int,
    at: tuple[int, int, int],
) -> None:
    # The slow path of interactions_reader: a row or a reject naming the faulty field.
    if len(parts) != width:
        out.reject(
            number, text, RECORD, f"expected {width} tab-separated fields, found {len(parts)}"
        )
        return
    user, item, time = (parts[i] for i in at)
    stamp = epoch_text(time)
    if not is_int(user):
        out.reject(number, text, "user_id", f"not an integer id: {user!r}")
    elif not is_int(item):
        out.reject(number, text, "item_id", f"not an integer id: {item!r}")
    elif stamp is None:
        out.reject(number, text, "timestamp", f"not an epoch time: {time!r}")
    else:
        out.data["user_id"].append(user)
        out.data["item_id"].append(item)
        out.data["timestamp"].append(stamp)
        out.rows.append(number)


def items_reader(int_ids: bool) -> Reader:
    """A reader of item tables (id, title, optional genres, anything else) -> products columns.

    ``title`` comes from ``title``, ``movie_title`` or ``text`` (UniSRec's title + category +
    brand text). A genre list (RecBole's ``class``, space-separated) gives ``category`` = the
    first genre, since genres are tags rather than a path; the full list stays in
    ``attributes.genres``. Every other column (``asin``, ``release_year``) goes to
    ``attributes`` as compact JSON. An empty title becomes null: the row is kept so that
    validation, not the reader, decides about untitled items.
    """

    def read(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
        with TextSource(path, options) as src:
            header = src.header()
            where = column_index(src, header, (ITEM_ID, TITLE))
            genres_at = column_index(src, header, (GENRES,), required=False).get(GENRES)
            at_id, at_title = where[ITEM_ID], where[TITLE]
            used = {at_id, at_title, genres_at}
            extras = [(i, name) for i, name in enumerate(header) if i not in used]
            if genres_at is not None:
                extras.append((genres_at, "genres"))
            columns = ["item_id", "title"]
            columns += ["category"] if genres_at is not None else []
            columns += ["attributes"] if extras else []
            out = ChunkBuilder(columns, options.chunk_rows)
            ids, titles = out.data["item_id"], out.data["title"]
            width = len(header)
            for number, text in src.numbered(out):
                if out.full:
                    yield out.flush()
                if text is None:
                    continue
                parts = [p.strip() for p in text.split("\t")]
                if len(parts) != width:
                    out.reject(
                        number,
                        text,
                        RECORD,
                        f"expected {width} tab-separated fields, found {len(parts)}",
                    )
                elif not parts[at_id] or (int_ids and not is_int(parts[at_id])):
                    out.reject(
                        number,
                        text,
                        "item_id",
                        f"not an integer id: {parts[at_id]!r}" if int_ids else "empty item id",
                    )
                else:
                    ids.append(parts[at_id])
                    titles.append(parts[at_title] or None)
                    if genres_at is not None:
                        genres = parts[genres_at].split()
                        out.data["category"].append(genres[0] if genres else None)
                    if extras:
                        out.data["attributes"].append(
                            compact_json({name: parts[i] for i, name in extras})
                        )
                    out.rows.append(number)
            yield from out.tail()

    return read
