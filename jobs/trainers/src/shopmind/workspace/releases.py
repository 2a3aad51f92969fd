"""Releases: pinned sets of asset versions that the service serves, switched atomically.

A release names exactly which version of each servable asset (search index, ranker,
recommender, ...) goes together. Release files are immutable; which one is active is one small
JSON file replaced atomically (write, fsync, rename), so a crash mid-switch leaves either the
old or the new release active, never a mix. The activation history makes roll-back a lookup.

Layout under the workspace::

    releases/release-000001.json   {"id": 1, "created_at": ..., "pins": {...}, "note": ...}
    releases/active.json           {"active": 3, "history": [1, 2, 3]}  (a stack)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.errors import ConflictError, InvalidArgument, NotFound, WorkspaceError
from shopmind.workspace.files import fsync_dir
from shopmind.workspace.refs import AssetVersion
from shopmind.workspace.store import Workspace

FOLDER = "releases"
ACTIVE_FILE = "active.json"
_NAME = re.compile(r"^release-(\d{6,})\.json$")


@dataclass(frozen=True)
class Release:
    """One pinned set: asset name -> ``name@N``."""

    id: int
    created_at: str
    pins: dict[str, str]
    note: str = ""
    checks: dict[str, Any] = field(default_factory=dict)  # what was verified when it was made

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "pins": dict(self.pins),
            "note": self.note,
            "checks": dict(self.checks),
        }

    def version(self, ws: Workspace, name: str) -> AssetVersion | None:
        """The pinned version of ``name``, or None when the release pins none."""
        spec = self.pins.get(name)
        return ws.resolve(spec) if spec else None


class ReleaseBook:
    """The releases of one workspace (module docstring)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.folder = ws.root / FOLDER

    # -- reading ----------------------------------------------------------------------------
    def all(self) -> list[Release]:
        """Every release, oldest first."""
        if not self.folder.is_dir():
            return []
        found = sorted(int(m.group(1)) for p in self.folder.iterdir() if (m := _NAME.match(p.name)))
        return [self.get(n) for n in found]

    def get(self, release_id: int) -> Release:
        """Release ``release_id``; NotFound when there is none."""
        path = self._path(release_id)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(
                f"no release {release_id} in {self.ws.root}", release=release_id
            ) from None
        except ValueError as exc:
            raise WorkspaceError(f"{path} is corrupt: {exc}", path=str(path)) from exc
        return Release(
            id=int(raw["id"]),
            created_at=str(raw["created_at"]),
            pins={str(k): str(v) for k, v in raw["pins"].items()},
            note=str(raw.get("note", "")),
            checks=dict(raw.get("checks", {})),
        )

    def history(self) -> list[int]:
        """Release ids in the order they were activated (the last one is active)."""
        path = self.folder / ACTIVE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except ValueError as exc:
            raise WorkspaceError(f"{path} is corrupt: {exc}", path=str(path)) from exc
        return [int(n) for n in raw.get("history", [])]

    def active(self) -> Release | None:
        """The active release, or None before the first activation."""
        history = self.history()
        return self.get(history[-1]) if history else None

    # -- writing ----------------------------------------------------------------------------
    def create(
        self, pins: dict[str, str], note: str = "", checks: dict[str, Any] | None = None
    ) -> Release:
        """Write a new release pinning ``pins`` (each ``name@N`` must exist and name itself)."""
        if not pins:
            raise InvalidArgument("a release must pin at least one asset", argument="pins")
        for name, spec in pins.items():
            version = self.ws.resolve(spec)  # NotFound names the missing asset
            if version.ref.name != name:
                raise InvalidArgument(
                    f"pin {name!r} points at {spec!r}, a version of another asset",
                    argument="pins",
                )
        self.folder.mkdir(exist_ok=True)
        existing = self.all()
        release = Release(
            id=(existing[-1].id + 1) if existing else 1,
            created_at=datetime.now(UTC).isoformat(),
            pins={name: str(self.ws.resolve(spec).ref) for name, spec in sorted(pins.items())},
            note=note,
            checks=dict(checks or {}),
        )
        path = self._path(release.id)
        try:
            with open(path, "x", encoding="utf-8") as f:  # "x": two writers never share an id
                json.dump(release.to_dict(), f, indent=2)
                f.flush()
                os.fsync(f.fileno())
        except FileExistsError:
            raise ConflictError(
                f"release {release.id} was created concurrently; try again", release=release.id
            ) from None
        fsync_dir(self.folder)
        return release

    def activate(self, release_id: int) -> Release:
        """Make ``release_id`` the active release (atomically) and return it."""
        release = self.get(release_id)
        history = [*self.history(), release.id]
        self._write_active(history)
        return release

    def rollback(self) -> Release:
        """Re-activate the release that was active before the current one.

        The history is a stack: activating pushes, rolling back pops, so repeated roll-backs
        walk further back rather than toggling between the last two."""
        history = self.history()
        if len(history) < 2:
            raise ConflictError(
                "nothing to roll back to: no release was active before the current one",
                history=history,
            )
        self._write_active(history[:-1])
        return self.get(history[-2])

    def _write_active(self, history: list[int]) -> None:
        self.folder.mkdir(exist_ok=True)
        payload = {"active": history[-1], "history": history[-1000:]}
        tmp = self.folder / (ACTIVE_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / ACTIVE_FILE)
        fsync_dir(self.folder)

    def _path(self, release_id: int) -> Path:
        if release_id < 1:
            raise InvalidArgument(f"release ids start at 1, got {release_id}", argument="release")
        return self.folder / f"release-{release_id:06d}.json"
