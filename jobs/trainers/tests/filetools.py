"""Small helpers for tests that need files on disk."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def _repo_root() -> Path:
    """The repository this package lives in: the first folder above this file that holds
    ``jobs/trainers/pyproject.toml`` (the tests do not depend on the folder they run from)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "jobs" / "trainers" / "pyproject.toml").is_file():
            return parent
    raise RuntimeError(f"no repository with jobs/trainers/pyproject.toml above {__file__}")


REPO_ROOT = _repo_root()
# The public datasets sit beside the repository unless SHOPMIND_DATASETS names another folder.
DATASETS = Path(os.environ.get("SHOPMIND_DATASETS") or REPO_ROOT.parent / "shared" / "datasets")


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
