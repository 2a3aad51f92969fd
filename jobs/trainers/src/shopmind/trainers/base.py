"""What every trainer shares: its result, its progress callback, and how it writes artifacts.

A trainer is a plain function ``train(snapshot, params, out_dir, report) -> TrainResult``. It
runs in a thread of the worker (never on the event loop: BullMQ's lock renewals run there), reads
its snapshot, writes files into ``out_dir`` (the job's staging folder) and returns what it made.
The TypeScript side adopts the files into the artifact store and registers the version.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: ``report(step, fraction, message)``: one line of progress, shown on the job.
Report = Callable[[str, float, str], None]


@dataclass(frozen=True)
class Artifact:
    """A file a trainer wrote: its path relative to the staging folder, hash and size."""

    path: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class TrainResult:
    artifacts: list[Artifact]
    metrics: dict[str, Any]
    #: The params the trainer used, defaults filled in.
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "artifacts": [
                {"path": a.path, "sha256": a.sha256, "bytes": a.bytes} for a in self.artifacts
            ],
            "metrics": self.metrics,
            "params": self.params,
        }


def write_artifact(out_dir: Path, name: str, content: str | bytes) -> Artifact:
    """Writes ``name`` in ``out_dir`` atomically (temporary file, fsync, rename) and hashes it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    tmp = out_dir / f".{name}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return Artifact(path=name, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
