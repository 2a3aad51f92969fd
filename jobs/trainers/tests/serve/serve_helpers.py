"""Shared by the service tests: the built shop and a private copy of it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from shopmind.config import Settings
from shopmind.workspace import Workspace


@dataclass(frozen=True)
class Shop:
    ws: Workspace
    settings: Settings
    keys: dict[str, str]  # role -> key

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def fresh_copy(shop: Shop, tmp_path: Path) -> Shop:
    """The same shop in a new folder, for tests that change releases or logs."""
    root = tmp_path / "ws"
    shutil.copytree(shop.ws.root, root)
    return Shop(Workspace.open(root), replace(shop.settings, workspace=root), shop.keys)
