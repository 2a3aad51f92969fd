"""The release book: immutable releases, an atomic active pointer, roll-back as a stack."""

from __future__ import annotations

import pyarrow as pa
import pytest

from shopmind.errors import ConflictError, InvalidArgument, NotFound
from shopmind.workspace import Workspace
from shopmind.workspace.releases import ReleaseBook


def _table(n: int) -> pa.Table:
    return pa.table({"x": list(range(n))})


def test_create_activate_and_roll_back(ws: Workspace) -> None:
    ws.write_table("search_index", _table(3), "test")
    ws.write_table("search_index", _table(4), "test")
    ws.write_table("recommender", _table(2), "test")
    book = ReleaseBook(ws)
    assert book.all() == [] and book.active() is None
    one = book.create({"search_index": "search_index@1", "recommender": "recommender"})
    assert one.id == 1 and one.pins["recommender"] == "recommender@1"  # resolved and pinned
    two = book.create({"search_index": "search_index@2"}, note="new index")
    assert [r.id for r in book.all()] == [1, 2] and book.get(2).note == "new index"
    assert two.version(ws, "search_index") == ws.get("search_index", 2)
    assert two.version(ws, "recommender") is None
    with pytest.raises(ConflictError, match="nothing to roll back"):
        book.rollback()
    book.activate(1)
    book.activate(2)
    book.activate(1)
    assert book.history() == [1, 2, 1] and book.active() == one
    assert book.rollback().id == 2 and book.rollback().id == 1  # walks back, no toggling
    assert book.history() == [1]
    assert not list((ws.root / "releases").glob("*.tmp"))


def test_bad_pins_are_refused(ws: Workspace) -> None:
    ws.write_table("search_index", _table(1), "test")
    book = ReleaseBook(ws)
    with pytest.raises(InvalidArgument, match="at least one"):
        book.create({})
    with pytest.raises(NotFound):
        book.create({"search_index": "search_index@9"})
    with pytest.raises(InvalidArgument, match="another asset"):
        book.create({"ranker": "search_index@1"})
    with pytest.raises(NotFound):
        book.activate(3)
    with pytest.raises(InvalidArgument):
        book.get(0)
