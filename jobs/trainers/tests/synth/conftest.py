"""Session-wide synthetic shops: generated once, shared by every synth test (all tiny)."""

from __future__ import annotations

import pytest

from shopmind.synth import Shop, SynthConfig, generate_shop, write_shop

MALFORMED = 0.05


@pytest.fixture(scope="session")
def tiny_config() -> SynthConfig:
    return SynthConfig.tiny(seed=11)


@pytest.fixture(scope="session")
def shop(tiny_config: SynthConfig) -> Shop:
    return generate_shop(tiny_config)


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """The same malformed tiny shop written in every format: fmt -> write_shop result."""
    config = SynthConfig.tiny(seed=5, malformed_fraction=MALFORMED)
    root = tmp_path_factory.mktemp("synth-files")
    return {fmt: write_shop(config, root / fmt, fmt=fmt) for fmt in ("csv", "jsonl", "parquet")}
