"""Small helpers for tests that need files on disk."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def write(path: Path, text: str | bytes) -> Path:
    """Write a fixture file (bytes as-is, text as UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def raw_ids(root: Path, candidates: Iterable[str]) -> dict[str, str]:
    """Pseudonym -> raw id for each of ``candidates`` under the key of the workspace at
    ``root``: assets hold pseudonyms, tests speak of the ids they wrote."""
    from shopmind.privacy.pseudonym import Pseudonymizer

    pseudonyms = Pseudonymizer.for_workspace(root)
    return {pseudonyms.pseudonym(c): c for c in candidates}


def synthetic_users(root: Path, count: int = 5000) -> dict[str, str]:
    """Pseudonym -> raw id of the synthetic shop's users (``U00000``, ``U00001``, ...)."""
    return raw_ids(root, (f"U{n:05d}" for n in range(count)))
