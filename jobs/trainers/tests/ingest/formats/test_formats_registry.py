"""The PUBLIC_FORMATS registry and the errors every reader shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.ingest.formats import PUBLIC_FORMATS, PublicFormat, public_format
from shopmind.ingest.sources import ReadOptions

ALL_READERS = [(f.name, kind) for f in PUBLIC_FORMATS.values() for kind in sorted(f.kinds)]


def test_registry_lists_the_five_formats() -> None:
    assert set(PUBLIC_FORMATS) == {"seqrec", "s3rec", "unisrec", "movielens", "homedepot"}
    for name, fmt in PUBLIC_FORMATS.items():
        assert isinstance(fmt, PublicFormat) and fmt.name == name and fmt.description
        assert fmt.kinds <= {"events", "products", "judgements"}
    assert PUBLIC_FORMATS["homedepot"].kinds == {"products", "judgements"}
    assert public_format("s3rec") is PUBLIC_FORMATS["s3rec"]


def test_unsupported_kind_names_the_argument() -> None:
    with pytest.raises(InvalidArgument) as err:
        PUBLIC_FORMATS["s3rec"].reader("judgements")
    assert err.value.details["argument"] == "kind"
    assert "s3rec" in err.value.message and "judgements" in err.value.message


def test_kind_aliases_are_understood() -> None:
    assert callable(PUBLIC_FORMATS["homedepot"].reader("queries"))
    assert callable(PUBLIC_FORMATS["seqrec"].reader("catalog"))


def test_bad_event_type_and_format_name_are_rejected() -> None:
    with pytest.raises(InvalidArgument) as err:
        PUBLIC_FORMATS["seqrec"].reader("events", event_type="rate")
    assert err.value.details["argument"] == "event_type"
    with pytest.raises(InvalidArgument) as err:
        PUBLIC_FORMATS["seqrec"].reader("products", event_type="view")
    assert err.value.details["argument"] == "event_type"
    with pytest.raises(InvalidArgument) as err:
        public_format("csv")
    assert err.value.details["argument"] == "format"


@pytest.mark.parametrize(("name", "kind"), ALL_READERS)
def test_missing_file_is_not_found(name: str, kind: str, tmp_path: Path) -> None:
    reader = PUBLIC_FORMATS[name].reader(kind)
    with pytest.raises(NotFound, match=r"nope\.tsv"):
        list(reader(tmp_path / "nope.tsv", ReadOptions()))
    with pytest.raises(InputFileError, match="not a regular file"):
        list(reader(tmp_path, ReadOptions()))


@pytest.mark.parametrize(("name", "kind"), ALL_READERS)
def test_empty_file_raises_or_yields_one_empty_chunk(
    name: str, kind: str, write: Callable[[str, str], Path], read_all: Callable[..., Any]
) -> None:
    path = write("empty.txt", "")
    reader = PUBLIC_FORMATS[name].reader(kind)
    if (name, kind) == ("s3rec", "events"):  # headerless: an empty file is an empty sequence set
        result = read_all(reader, path)
        assert result.table.num_rows == 0 and result.chunks == 1
        assert result.table.column_names == ["user_id", "item_id", "event_type", "timestamp"]
    else:
        with pytest.raises(InputFileError, match="empty"):
            list(reader(path, ReadOptions()))


def test_bad_options_name_the_argument(write: Callable[[str, str], Path]) -> None:
    path = write("i.tsv", "user_id\titem_id\ttimestamp\n1\t2\t3\n")
    reader = PUBLIC_FORMATS["seqrec"].reader("events")
    with pytest.raises(InvalidArgument) as err:
        list(reader(path, ReadOptions(chunk_rows=0)))
    assert err.value.details["argument"] == "chunk_rows"
    with pytest.raises(InvalidArgument) as err:
        list(reader(path, ReadOptions(encoding="no-such-codec")))
    assert err.value.details["argument"] == "encoding"
