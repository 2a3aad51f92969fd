"""Settings: one object, read from environment > file > defaults, validated at start-up.

Every setting is declared once in :data:`SETTINGS` with its type, default and description;
``docs/settings.md`` documents each (a test fails when one is missing there). The object is
built once by the entry point (CLI or server) and passed explicitly: nothing reads it at import.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from shopmind.errors import ConfigError

ENV_PREFIX = "SHOPMIND_"
CONFIG_ENV = "SHOPMIND_CONFIG"
DEFAULT_CONFIG_FILE = "shopmind.toml"


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be > 0"


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else "must be >= 0"


def _unit_interval(value: Any) -> str | None:
    return None if 0.0 <= value <= 1.0 else "must be in [0, 1]"


def _one_of(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"

    return check


def _currency(value: Any) -> str | None:
    ok = isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()
    return None if ok else "must be a 3-letter upper-case ISO 4217 code"


def _port(value: Any) -> str | None:
    return None if 0 < value < 65536 else "must be a TCP port (1-65535)"


RETENTION_SETTING = "privacy_retention"
_RETENTION_ASSET = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")  # as workspace.refs
_RETENTION_DURATION = re.compile(r"^([0-9]+)([dh])$")
_RETENTION_MAX_DAYS = 36_500


def _retention_problem(spec: Any) -> tuple[dict[str, timedelta], str | None]:
    """The policies of a ``privacy_retention`` value, or the first problem with it."""
    if not isinstance(spec, str):
        return {}, "must be a string of ASSET=DURATION entries"
    policies: dict[str, timedelta] = {}
    if not spec.strip():
        return policies, None
    for raw in spec.split(","):
        entry = raw.strip()
        name, sep, duration = (part.strip() for part in entry.partition("="))
        if not entry:
            return {}, "has an empty entry (a stray comma?)"
        if not sep:
            return {}, f"entry {entry!r} is not ASSET=DURATION (e.g. events=90d)"
        if not _RETENTION_ASSET.match(name):
            return {}, f"entry {entry!r}: {name!r} is not an asset name"
        if name in policies:
            return {}, f"entry {entry!r}: asset {name!r} has more than one policy"
        found = _RETENTION_DURATION.match(duration)
        if not found or int(found.group(1)) < 1:
            return {}, (
                f"entry {entry!r}: duration {duration!r} must be a positive whole number of "
                "days or hours, like 90d or 12h"
            )
        amount, unit = int(found.group(1)), found.group(2)
        days = amount if unit == "d" else amount / 24
        if days > _RETENTION_MAX_DAYS:
            return {}, f"entry {entry!r}: duration is over {_RETENTION_MAX_DAYS}d (100 years)"
        policies[name] = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
    return policies, None


def parse_retention(spec: str) -> dict[str, timedelta]:
    """Parse a ``privacy_retention`` value, ``events=90d,user_profiles=365d``, into asset name
    -> how long its rows are kept. Empty means no policy (``{}``).

    Raises ConfigError naming the setting and the bad entry.
    """
    policies, problem = _retention_problem(spec)
    if problem:
        raise ConfigError(
            f"setting {RETENTION_SETTING}={spec!r}: {problem}", setting=RETENTION_SETTING
        )
    return policies


def _spec(default: Any, doc: str, check: Callable[[Any], str | None] | None = None) -> Any:
    return field(default=default, metadata={"doc": doc, "check": check})


@dataclass(frozen=True)
class Settings:
    """All run-time settings. Build with :func:`load_settings`; never mutate (use ``replace``)."""

    workspace: Path = _spec(Path("shopmind-workspace"), "Folder of the embedded workspace.")  # noqa: RUF009
    threads: int = _spec(
        max(1, os.cpu_count() or 1), "Worker threads for DuckDB and Arrow.", _positive
    )
    memory_limit_mb: int = _spec(
        1024, "Memory DuckDB may use before it spills to disk (MiB).", _positive
    )
    ingest_chunk_rows: int = _spec(
        262_144, "Rows per chunk when streaming an input file.", _positive
    )
    ingest_max_line_bytes: int = _spec(
        16 * 1024 * 1024, "Longest input line or record accepted (bytes).", _positive
    )
    ingest_max_future_s: int = _spec(
        86_400,
        "How far past the ingest time a timestamp may lie before its row is rejected (seconds).",
        _non_negative,
    )
    ingest_min_year: int = _spec(
        1970, "Timestamps before 1 January of this year are rejected.", _positive
    )
    ingest_unknown_items: str = _spec(
        "flag",
        "Events naming products missing from the catalog: 'flag' counts them in the report, "
        "'quarantine' rejects them.",
        _one_of("flag", "quarantine"),
    )
    default_currency: str = _spec("USD", "Currency assumed for prices that carry none.", _currency)
    encoder: str = _spec(
        "auto",
        "Text encoder family: all-MiniLM-L6-v2 (English), multilingual-e5-small, or auto "
        "(multilingual when at least 10% of the products are not in English).",
        _one_of("auto", "all-MiniLM-L6-v2", "multilingual-e5-small"),
    )
    encoder_backend: str = _spec(
        "onnx-int8",
        "Inference backend of the encoder: onnx-int8 or torch (the reference).",
        _one_of("onnx-int8", "torch"),
    )
    encoder_version: int = _spec(
        0,
        "Pin the encoder asset version to use; 0 uses the newest of the family.",
        _non_negative,
    )
    encoder_batch_size: int = _spec(32, "Texts per encoder batch.", _positive)
    encoder_max_tokens: int = _spec(
        128, "Tokens per text the encoder reads; longer texts are truncated.", _positive
    )
    near_duplicate_threshold: float = _spec(
        0.0,
        "Cosine at or above which two products are near-duplicate candidates; 0 uses the "
        "value measured for the encoder (0.95 all-MiniLM-L6-v2, 0.98 multilingual-e5-small).",
        _unit_interval,
    )
    vector_index: str = _spec(
        "auto",
        "Vector index over item embeddings: exact (score every item), hnsw (approximate, "
        "faiss), or auto (hnsw from 200,000 products).",
        _one_of("auto", "exact", "hnsw"),
    )
    search_ranker: bool = _spec(
        True,
        "Reorder search candidates with the newest ranker trained for the search index "
        "(when there is one); false serves the fused order.",
    )
    recommender: str = _spec(
        "hybrid",
        "Recommender 'shopmind-trainers build' trains and serves: hybrid (candidates from every "
        "model below, blended by LightGBM), sasrec (sequential transformer), itemcf, ease, "
        "content, popularity or trending.",
        _one_of("hybrid", "sasrec", "itemcf", "ease", "content", "popularity", "trending"),
    )
    recommend_train_minutes: float = _spec(
        18.0,
        "Wall-clock cap, in minutes, on training the sequential transformer; the best epoch "
        "so far is kept when it is reached.",
        _positive,
    )
    serve_compile_trees: bool = _spec(
        True,
        "Compile the tree models a release serves (the search ranker, the recommendation "
        "blend) to native code when it is loaded: seconds once per model, cached under "
        "WORKSPACE/cache/forests; false predicts with LightGBM.",
    )
    serve_host: str = _spec("127.0.0.1", "Address the HTTP server binds.")
    serve_port: int = _spec(8000, "Port the HTTP server listens on.", _port)
    log_level: str = _spec("info", "Logging level.", _one_of("debug", "info", "warning", "error"))
    auth: str = _spec(
        "keys",
        "API authentication: keys (every /v1 route needs an API key of the right role; "
        "create one with 'shopmind-trainers keys create') or off (no checks: local development "
        "only, refused unless serve_host is a loopback address).",
        _one_of("keys", "off"),
    )
    rate_limit_per_s: float = _spec(
        1000.0,
        "Requests per second each API key may make on average; 0 turns limits off.",
        _non_negative,
    )
    rate_limit_burst: int = _spec(
        2000, "Requests an API key may make at once before its rate limit applies.", _positive
    )
    max_body_bytes: int = _spec(
        1024 * 1024,
        "Largest request body the service accepts (bytes); larger ones get 413.",
        _positive,
    )
    max_batch_events: int = _spec(
        1000, "Most events (or products) one request may carry.", _positive
    )
    cors_origins: str = _spec(
        "",
        "Comma-separated origins allowed to call the API from a browser (CORS); empty turns "
        "CORS off.",
    )
    events_fsync: bool = _spec(
        True,
        "Acknowledge an event only after the event log is fsynced to disk. Turning it off "
        "trades crash safety for speed (events acknowledged in the last moments before a "
        "power loss may be lost).",
    )
    audit_sync_ms: int = _spec(
        100,
        "Most milliseconds an access audit entry waits in the OS page cache before it is "
        "fsynced (grouped); 0 fsyncs every entry.",
        _non_negative,
    )
    session_max_users: int = _spec(
        100_000,
        "Users whose live session the server keeps in memory (least recent dropped).",
        _positive,
    )
    session_max_events: int = _spec(
        50, "Newest live events kept per user for recommendations and search.", _positive
    )
    privacy_epsilon_budget: float = _spec(
        1.0,
        "Total epsilon each dataset (events asset) may spend on differentially private "
        "aggregate exports; once spent, exports of it are refused.",
        _positive,
    )
    privacy_delta_budget: float = _spec(
        0.0,
        "Total delta each dataset may spend on differentially private exports (0: only "
        "pure epsilon-DP releases, such as the Laplace mechanism's).",
        _unit_interval,
    )
    privacy_pseudonymize: bool = _spec(
        True,
        "Replace user and session ids by keyed pseudonyms at ingest, in live events and in "
        "lookups, so raw ids never reach an asset. Turning it off stores ids as given.",
    )
    privacy_pseudonym_key: str = _spec(
        "",
        "Secret key of the pseudonyms (at least 16 characters); empty uses the key file "
        "WORKSPACE/secrets/pseudonym.key, made on first use. Set it through the environment "
        "(SHOPMIND_PRIVACY_PSEUDONYM_KEY), not a file under version control.",
        lambda v: None if v == "" or len(v) >= 16 else "must be empty or at least 16 characters",
    )
    privacy_mask_pii: str = _spec(
        "user_text",
        "Which free-text columns get e-mails, phone and card numbers masked at ingest: "
        "user_text (what users type: search queries), all_text (product text too) or none.",
        _one_of("user_text", "all_text", "none"),
    )
    privacy_erasure_serving: str = _spec(
        "continue",
        "After an erasure marks served models for a rebuild: continue serving them (the "
        "erased user's own data is already gone from what serving reads) or stop (recommend "
        "and search answer 503 until a new release).",
        _one_of("continue", "stop"),
    )
    privacy_retention: str = _spec(
        "",
        "How long each asset keeps rows: comma-separated ASSET=DURATION entries, a duration "
        "being whole days or hours ('events=90d,events.quarantine=30d,user_profiles=365d'); "
        "'shopmind-trainers privacy retain' removes older rows from every version. "
        "Empty: no policy.",
        lambda v: _retention_problem(v)[1],
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            check = f.metadata.get("check")
            problem = check(value) if check else None
            if problem:
                raise ConfigError(f"setting {f.name}={value!r}: {problem}", setting=f.name)


def documented_settings() -> dict[str, str]:
    """Name -> description of every setting (the registry the docs test checks)."""
    return {f.name: f.metadata["doc"] for f in fields(Settings)}


def _coerce(name: str, raw: Any, target: Any) -> Any:
    kind = type(target)
    try:
        if kind is bool:
            if isinstance(raw, str):
                return raw.strip().lower() in {"1", "true", "yes", "on"}
            return bool(raw)
        if kind is Path:
            return Path(raw)
        if kind is int:
            if isinstance(raw, bool):
                raise ValueError("boolean is not an integer")
            return int(raw)
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"setting {name}={raw!r}: expected {kind.__name__} ({exc})", setting=name
        ) from exc


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings: explicit overrides > environment > config file > defaults.

    ``config_file`` defaults to ``$SHOPMIND_CONFIG`` or ``./shopmind.toml`` when it exists.
    Unknown keys in the file or in ``SHOPMIND_*`` variables are errors, so a typo never
    silently falls back to a default.
    """
    env = os.environ if environ is None else environ
    defaults = Settings()
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or (Path(env[CONFIG_ENV]) if CONFIG_ENV in env else None)
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = Path(DEFAULT_CONFIG_FILE)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist", setting="config")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}", setting="config") from exc
        for key, raw in data.items():
            if key not in known:
                raise ConfigError(f"config file {path}: unknown setting {key!r}", setting=key)
            values[key] = raw

    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or key == CONFIG_ENV:
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in known:
            raise ConfigError(f"environment variable {key}: unknown setting {name!r}", setting=name)
        values[name] = raw

    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    coerced = {k: _coerce(k, v, getattr(defaults, k)) for k, v in values.items()}
    return replace(defaults, **coerced)
