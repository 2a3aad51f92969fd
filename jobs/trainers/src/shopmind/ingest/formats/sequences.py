"""Sequence files without timestamps: S3-Rec ``user item item ...`` and UniSRec ``.inter``.

Both give each user's items in chronological order but no times. Events get the synthetic
``timestamp = SYNTHETIC_EPOCH + position`` (seconds, position 0-based within the user), so
per-user order survives any sort by time. The absolute times mean nothing: a split by
global time across users is not meaningful on these events, a per-user leave-one-out is.
One source line yields several events; each carries the line's record number.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shopmind.ingest.formats._common import (
    RECORD,
    SYNTHETIC_EPOCH,
    ChunkBuilder,
    TextSource,
    column_index,
    is_int,
)
from shopmind.ingest.formats.tabular import EVENT_COLUMNS
from shopmind.ingest.sources import Reader, ReadOptions, SourceChunk

_STAMPS: list[str] = []


def synthetic_stamps(n: int) -> list[str]:
    """The synthetic timestamps of positions ``0 .. n-1`` (cached: sequences repeat lengths)."""
    while len(_STAMPS) < n:
        _STAMPS.append(str(SYNTHETIC_EPOCH + len(_STAMPS)))
    return _STAMPS[:n]


def s3rec_reader(event_type: str) -> Reader:
    """A reader of S3-Rec sequence files (``Beauty.txt``) -> events columns.

    Ids must be integers, as S3-Rec numbers users and items from 1. A line needs a user and at
    least one item. A tab on the first line means a TSV was given by mistake.
    """

    def read(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
        with TextSource(path, options) as src:
            out = ChunkBuilder(EVENT_COLUMNS, options.chunk_rows, {"event_type": event_type})
            users, items, stamps = out.data["user_id"], out.data["item_id"], out.data["timestamp"]
            for number, text in src.numbered(out):
                if out.full:
                    yield out.flush()
                if text is None:
                    continue
                parts = text.split()
                if number == 1 and ("\t" in text or (parts and not any(map(is_int, parts)))):
                    raise src.fail(
                        "first line is not 'user item item ...' integers separated by "
                        f"spaces (a header or a TSV?): {text[:80]!r}"
                    )
                bad = next((i for i, p in enumerate(parts) if not is_int(p)), None)
                if len(parts) < 2:
                    out.reject(
                        number,
                        text,
                        RECORD,
                        f"expected 'user item [item ...]', found {len(parts)} field(s)",
                    )
                elif bad is not None:
                    out.reject(
                        number,
                        text,
                        "user_id" if bad == 0 else "item_id",
                        f"not an integer id at position {bad}: {parts[bad]!r}",
                    )
                else:
                    n = len(parts) - 1
                    users.extend([parts[0]] * n)
                    items.extend(parts[1:])
                    stamps.extend(synthetic_stamps(n))
                    out.rows.extend([number] * n)
            yield from out.tail()

    return read


def sibling_map(path: Path, suffix: str) -> Path | None:
    """The ``<dataset>.<suffix>`` file next to a ``<dataset>[.<split>].inter[.gz]`` file."""
    name = path.name.removesuffix(".gz").removesuffix(".inter")
    stem, _, split = name.rpartition(".")
    if not stem or split not in ("train", "valid", "test"):
        stem = name
    for candidate in (path.with_name(f"{stem}.{suffix}"), path.with_name(f"{stem}.{suffix}.gz")):
        if candidate.is_file():
            return candidate
    return None


def load_index_map(path: Path, options: ReadOptions) -> dict[str, str]:
    """``index -> original id`` from a headerless ``original \\t index`` map file.

    The map is not a stream of records but a lookup table every event depends on, so a bad
    line fails the whole read rather than becoming a rejected record.
    """
    mapping: dict[str, str] = {}
    with TextSource(path, options) as src:
        for number, (text, problem) in enumerate(src.lines(), start=1):
            parts = text.split("\t")
            if problem is not None or len(parts) != 2 or not is_int(parts[1]):
                raise src.fail(f"line {number} is not 'id<TAB>index': {problem or text[:80]!r}")
            if parts[1] in mapping:
                raise src.fail(f"line {number}: index {parts[1]} appears twice")
            mapping[parts[1]] = parts[0]
    return mapping


def _window_at(seq: list[str], part: list[str]) -> bool:
    # Whether ``part`` occurs contiguously in ``seq``; both are at most ~51 long.
    m = len(part)
    if seq[:m] == part:
        return True
    return any(seq[i : i + m] == part for i in range(1, len(seq) - m + 1))


class _UserSequence:
    """One user's items rebuilt from the lines of a UniSRec split.

    ``train.inter`` repeats every prefix of a sequence (UniSRec's augmentation) and cuts
    histories to the last 50 items. So a line lies inside what is known, or has the known
    items as its prefix, or, being a window cut to full length, adds one item at either end.
    Anything else is a contradiction; short overlaps are not trusted, as items repeat.
    """

    def __init__(self, user: str, items: list[str], number: int) -> None:
        self.user = user
        self.items = items
        self.sources = [number] * len(items)
        self._longest = len(items)

    def merge(self, items: list[str], number: int) -> bool:
        """Fold one line's sequence in; False when it contradicts what is known."""
        known, m = self.items, len(items)
        if m <= len(known) and _window_at(known, items):
            return True
        if items[: len(known)] == known:
            self.sources.extend([number] * (m - len(known)))
            known.extend(items[len(known) :])
        elif m < self._longest or m < 2:
            return False
        elif items[:-1] == known[len(known) - m + 1 :]:
            known.append(items[-1])
            self.sources.append(number)
        elif items[1:] == known[: m - 1]:
            known.insert(0, items[0])
            self.sources.insert(0, number)
        else:
            return False
        self._longest = max(self._longest, m)
        return True


def unisrec_reader(event_type: str) -> Reader:
    """A reader of UniSRec ``.inter`` files -> events columns, one event per item of a user.

    A line is ``user_id \\t item_id_list \\t item_id`` (history, then target); a user's lines
    must be adjacent and are merged into one sequence (see :class:`_UserSequence`), so
    ``train.inter``'s prefixes do not repeat events. Indices are turned back into the
    original ids with the sibling ``.user2index`` / ``.item2index`` maps when present (so
    events join the ASINs of the ``.text`` products); without a map the indices stay.
    ``<name>.test.inter`` gives the full sequences (history + valid + test item), except that
    UniSRec cut histories to 50 items (Scientific: 43 early items of 3 users); the merged
    ``train.inter`` keeps those, up to the item before the valid one.
    """

    def read(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
        item_map_path = sibling_map(path, "item2index")
        user_map_path = sibling_map(path, "user2index")
        user_names = user_map_path.name if user_map_path else ""
        names = (user_names, item_map_path.name if item_map_path else "")
        done: set[str] = set()  # users already emitted: one id per user, small next to events
        with TextSource(path, options) as src:
            header = src.header()
            where = column_index(src, header, ("user_id", "item_id_list", "item_id"))
            item_map = load_index_map(item_map_path, options) if item_map_path else None
            user_map = load_index_map(user_map_path, options) if user_map_path else None
            out = ChunkBuilder(EVENT_COLUMNS, options.chunk_rows, {"event_type": event_type})
            width = len(header)
            current: _UserSequence | None = None

            def emit(seq: _UserSequence) -> None:
                out.data["user_id"].extend([seq.user] * len(seq.items))
                out.data["item_id"].extend(seq.items)
                out.data["timestamp"].extend(synthetic_stamps(len(seq.items)))
                out.rows.extend(seq.sources)
                done.add(seq.user)

            for number, text in src.numbered(out):
                if out.full:
                    yield out.flush()
                if text is None:
                    continue
                parts = text.split("\t")
                if len(parts) != width:
                    out.reject(
                        number,
                        text,
                        RECORD,
                        f"expected {width} tab-separated fields, found {len(parts)}",
                    )
                    continue
                user = parts[where["user_id"]].strip()
                items = [*parts[where["item_id_list"]].split(), parts[where["item_id"]].strip()]
                fault = _lookup(user, items, user_map, item_map, names)
                if fault is not None:
                    out.reject(number, text, *fault)
                    continue
                user = user_map[user] if user_map is not None else user
                if item_map is not None:
                    items = [item_map[i] for i in items]
                if current is not None and current.user == user:
                    if not current.merge(items, number):
                        out.reject(
                            number,
                            text,
                            "item_id_list",
                            "does not continue the user's sequence from earlier lines",
                        )
                    continue
                if current is not None:
                    emit(current)
                    current = None
                if user in done:
                    out.reject(
                        number,
                        text,
                        "user_id",
                        f"user {user}'s lines are not adjacent; "
                        "the sequence was already emitted from earlier lines",
                    )
                    continue
                current = _UserSequence(user, items, number)
            if current is not None:
                emit(current)
            yield from out.tail()

    return read


def _lookup(
    user: str,
    items: list[str],
    user_map: dict[str, str] | None,
    item_map: dict[str, str] | None,
    names: tuple[str, str],
) -> tuple[str, str] | None:
    # (field, reason) of the first id that is not a known integer index, None when all are.
    if not is_int(user):
        return "user_id", f"not an integer index: {user!r}"
    if user_map is not None and user not in user_map:
        return "user_id", f"index {user} is not in {names[0]}"
    for item in items:
        if not is_int(item):
            return "item_id", f"not an integer index: {item!r}"
        if item_map is not None and item not in item_map:
            return "item_id", f"index {item} is not in {names[1]}"
    return None
