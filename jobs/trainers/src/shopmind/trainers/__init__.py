"""The trainers the ``train`` queue runs, by feature name (docs/jobs.md).

Each entry is a function ``train(snapshot, params, out_dir, report) -> TrainResult``
(:mod:`shopmind.trainers.base`). The TypeScript side keeps the same list with each trainer's
params schema (jobs/training.ts) and refuses a retrain of a feature not listed there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shopmind.trainers import item_popularity
from shopmind.trainers.base import Report, TrainResult
from shopmind.trainers.snapshot import Snapshot

Trainer = Callable[[Snapshot, dict[str, Any], Path, Report], TrainResult]

TRAINERS: dict[str, Trainer] = {
    "item_popularity": item_popularity.train,
}
