from __future__ import annotations

import re
from pathlib import Path

import pytest

from filetools import REPO_ROOT
from shopmind.config import Settings, documented_settings, load_settings
from shopmind.errors import ConfigError

DOCS = REPO_ROOT / "docs" / "settings.md"


def test_defaults_need_no_environment() -> None:
    s = load_settings(environ={})
    assert s.workspace == Path("shopmind-workspace")
    assert s.ingest_unknown_items == "flag"


def test_environment_beats_file_beats_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('serve_port = 9000\ndefault_currency = "EUR"\n')
    s = load_settings(config_file=cfg, environ={"SHOPMIND_SERVE_PORT": "9100"})
    assert s.serve_port == 9100
    assert s.default_currency == "EUR"


def test_explicit_override_beats_environment() -> None:
    s = load_settings(environ={"SHOPMIND_THREADS": "3"}, threads=1)
    assert s.threads == 1


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"SHOPMIND_SERVE_PORT": "abc"}, "serve_port"),
        ({"SHOPMIND_SERVE_PORT": "70000"}, "serve_port"),
        ({"SHOPMIND_NOPE": "1"}, "unknown setting 'nope'"),
        ({"SHOPMIND_INGEST_UNKNOWN_ITEMS": "drop"}, "must be one of flag, quarantine"),
        ({"SHOPMIND_DEFAULT_CURRENCY": "euro"}, "ISO 4217"),
    ],
)
def test_bad_settings_name_the_setting(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_settings(environ=env)


def test_unknown_key_in_file_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text("threds = 2\n")
    with pytest.raises(ConfigError, match="threds"):
        load_settings(config_file=cfg, environ={})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "none.toml", environ={})


def test_settings_validate_on_construction() -> None:
    with pytest.raises(ConfigError, match="threads"):
        Settings(threads=0)


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))
    missing = set(documented_settings()) - documented
    assert not missing, f"settings missing from docs/settings.md: {sorted(missing)}"
    stale = documented - set(documented_settings())
    assert not stale, f"docs/settings.md documents settings that do not exist: {sorted(stale)}"
