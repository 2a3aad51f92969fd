"""Shared fixtures: tiny settings and workspaces. Everything here is small and fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.config import Settings, load_settings
from shopmind.workspace import Workspace


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={}, workspace=tmp_path / "ws", threads=2, ingest_chunk_rows=4)


@pytest.fixture
def ws(settings: Settings) -> Workspace:
    return Workspace.open(settings.workspace, create=True)
