"""``shopmind-trainers bench serve``: the HTTP service under load, over a synthetic shop.

1. A synthetic shop of ``products`` products is generated, ingested and built once into
   ``workspace`` (a later run with the same folder reuses it).
2. ``shopmind-trainers serve`` runs in a child process (one process: live sessions and the event log
   belong to it), with rate limits off.
3. A closed-loop load generator (:mod:`~shopmind.pipeline.loadgen`) drives ``/v1/search``
   (product-title words as queries) and ``/v1/recommend/{user}`` (users with history) at each
   concurrency for ``seconds``; then an open-loop sweep offers each endpoint fixed rates
   (fractions of its best closed-loop throughput) and reports the highest rate whose p99 met
   the goal; then ``/v1/events/batch`` with batches of 100 events; then, with
   ``soak_minutes``, a mixed load while the server's resident memory is sampled.

Client and server share the machine: on 2 cores the figures are what one box does with both.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shopmind.config import Settings
from shopmind.errors import InvalidArgument, ShopmindError
from shopmind.ingest import ingest_file
from shopmind.pipeline.loadgen import Request, run_load, run_rate
from shopmind.workspace import Workspace
from shopmind.workspace.releases import ReleaseBook

#: the service's latency goals (p99 per request at the highest load the machine sustains)
P99_GOAL_MS = {"search": 25.0, "recommend": 10.0}
#: open-loop rates tried, as fractions of the best closed-loop throughput
RATE_FRACTIONS = (0.25, 0.5, 0.7, 0.85)


@dataclass(frozen=True)
class ServeBenchParams:
    products: int = 100_000
    users: int = 20_000
    events: int = 400_000
    concurrency: tuple[int, ...] = (1, 8, 32)
    seconds: float = 20.0  # per endpoint and concurrency
    event_batches: int = 2_000  # of 100 events each
    soak_minutes: float = 0.0
    recommender: str = "hybrid"
    train_minutes: float = 3.0  # cap on the transformer when the shop is built
    # Chinese share of the catalog: 0 makes an English shop, which the English encoder serves
    # (about 1 ms per query); any Chinese needs the multilingual one (about 13 ms per query)
    zh_fraction: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.products < 100 or self.users < 10 or self.events < 1000:
            raise InvalidArgument(
                "products >= 100, users >= 10 and events >= 1000", argument="size"
            )
        if not 0 <= self.zh_fraction <= 1:
            raise InvalidArgument("zh_fraction must be in [0, 1]", argument="zh_fraction")
        if not self.concurrency or min(self.concurrency) < 1:
            raise InvalidArgument("concurrency levels must be >= 1", argument="concurrency")


def prepare_shop(settings: Settings, folder: Path, p: ServeBenchParams) -> dict[str, Any]:
    """Build the synthetic shop into ``settings.workspace`` unless it already has a release."""
    from shopmind.pipeline.build import run_build
    from shopmind.synth import SynthConfig, write_shop

    ws = Workspace.open(settings.workspace, create=True)
    if ReleaseBook(ws).active() is not None:
        return {"reused": True}
    started = time.perf_counter()
    config = SynthConfig(
        seed=p.seed,
        n_items=p.products,
        n_users=p.users,
        n_events=p.events,
        n_queries=min(300, p.products),
        zh_fraction=p.zh_fraction,
    )
    files = write_shop(config, folder / "data", fmt="csv")["files"]
    assert isinstance(files, dict)
    for kind in ("products", "events"):
        ingest_file(ws, kind, Path(files[kind]), settings)
    encoder = settings.encoder
    if encoder == "auto" and p.zh_fraction == 0:
        encoder = "all-MiniLM-L6-v2"
    build_settings = replace(
        settings,
        recommender=p.recommender,
        recommend_train_minutes=p.train_minutes,
        encoder=encoder,
    )
    built = run_build(ws, build_settings)
    return {"reused": False, "seconds": round(time.perf_counter() - started, 1), "build": built}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """``shopmind-trainers serve`` in a child process, stopped on exit."""

    def __init__(self, settings: Settings) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "SHOPMIND_LOG_LEVEL": "warning",
            "SHOPMIND_RATE_LIMIT_PER_S": "0",
            "SHOPMIND_WORKSPACE": str(settings.workspace),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shopmind.cli.main", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise ShopmindError(f"the server exited while starting: {err[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise ShopmindError("the server did not become ready within 10 minutes")

    def rss_mb(self) -> float:
        return _rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _requests(ws: Workspace, seed: int) -> tuple[Callable[[int, int], Request], ...]:
    """Request makers for search, recommend and event batches, from the shop's own data."""
    rng = random.Random(seed)
    titles = ws.read_table(ws.get("products"), columns=["title"])["title"].to_pylist()
    item_ids = ws.read_table(ws.get("products"), columns=["item_id"])["item_id"].to_pylist()
    users = sorted(set(ws.read_table(ws.get("events"), columns=["user_id"])["user_id"].to_pylist()))
    queries = []
    for title in rng.sample(titles, min(2000, len(titles))):
        words = str(title).split()
        queries.append(" ".join(words[: rng.randint(1, min(3, len(words)))]))
    picked = rng.sample(users, min(5000, len(users)))

    def search(w: int, n: int) -> Request:
        q = queries[(w * 7919 + n) % len(queries)]
        return ("GET", f"/v1/search?q={quote(q)}&k=10", None)

    def recommend(w: int, n: int) -> Request:
        return ("GET", f"/v1/recommend/{quote(picked[(w * 104729 + n) % len(picked)])}?k=10", None)

    def events(w: int, n: int) -> Request:
        base = w * 1_000_003 + n * 100
        batch = [
            {
                "user_id": picked[(base + j) % len(picked)],
                "item_id": item_ids[(base * 31 + j) % len(item_ids)],
                "event_type": "view",
            }
            for j in range(100)
        ]
        return ("POST", "/v1/events/batch", {"events": batch})

    return search, recommend, events


def bench_serve(
    settings: Settings,
    folder: Path,
    params: ServeBenchParams | None = None,
    progress: Callable[[str], None] | None = None,
    checkpoint: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark (module docstring); ``folder`` holds the shop and its workspace.

    ``checkpoint`` gets the result so far after every phase, so a run stopped part-way (or a
    phase that hangs) still leaves the figures measured before it."""
    from shopmind.serve.keys import KeyStore

    p = params or ServeBenchParams()
    say = progress or (lambda _m: None)
    save = checkpoint or (lambda _r: None)
    settings = replace(settings, workspace=folder / "workspace")
    say(f"preparing a shop of {p.products:,} products in {settings.workspace}")
    shop = prepare_shop(settings, folder, p)
    ws = Workspace.open(settings.workspace)
    key, _ = KeyStore(ws.root).create("admin", "bench serve")
    headers = {"Authorization": f"Bearer {key}"}
    search, recommend, events = _requests(ws, p.seed)
    served = ReleaseBook(ws).active()
    result: dict[str, Any] = {
        "params": {**asdict(p), "concurrency": list(p.concurrency)},
        "shop": {
            **shop,
            "products": ws.get("products").rows,
            "events": ws.get("events").rows,
            "release": served.to_dict() if served else None,
            "recommender": ws.get("recommender").params.get("model"),
        },
        "endpoints": {},
        "rates": {},
    }
    server = Server(settings)
    try:
        result["server_rss_mb_start"] = round(server.rss_mb(), 1)
        save(result)
        for name, make in (("search", search), ("recommend", recommend)):
            run_load("127.0.0.1", server.port, headers, make, 2, 3.0)  # warm-up
            levels = {}
            for c in p.concurrency:
                say(f"{name} at concurrency {c} for {p.seconds:g} s")
                levels[str(c)] = run_load(
                    "127.0.0.1", server.port, headers, make, c, p.seconds
                ).summary()
                result["endpoints"][name] = levels
                save(result)
            best = max(level["throughput_rps"] for level in levels.values())
            result["rates"][name] = _rate_sweep(server, headers, make, name, best, p, say)
            save(result)
        say(f"events: {p.event_batches} batches of 100")
        ev = run_load(
            "127.0.0.1", server.port, headers, events, 8, 3600.0, max_requests=p.event_batches
        ).summary()
        ev["events_per_s"] = round(ev["throughput_rps"] * 100, 1)
        result["events"] = ev
        save(result)
        if p.soak_minutes > 0:
            result["soak"] = _soak(server, headers, (search, recommend, events), p, say)
        result["server_rss_mb_end"] = round(server.rss_mb(), 1)
    finally:
        server.stop()
    return result


def _rate_sweep(
    server: Server,
    headers: dict[str, str],
    make: Callable[[int, int], Request],
    name: str,
    best_rps: float,
    p: ServeBenchParams,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Open-loop load at fractions of the best closed-loop throughput; the highest offered
    rate whose p99 stays within the endpoint's goal."""
    goal = P99_GOAL_MS[name]
    steps = []
    for fraction in RATE_FRACTIONS:
        rate = round(best_rps * fraction, 1)
        if rate <= 0:
            continue
        say(f"{name} at {rate:g} requests/s (open loop) for {p.seconds:g} s")
        summary = run_rate(
            "127.0.0.1", server.port, headers, make, rate, p.seconds, p.seed
        ).summary()
        steps.append({"offered_rps": rate, **summary})
    within = [s["offered_rps"] for s in steps if s["p99_ms"] <= goal and s["errors"] == 0]
    return {
        "p99_goal_ms": goal,
        "steps": steps,
        "max_rps_within_goal": max(within) if within else None,
    }


def _soak(
    server: Server,
    headers: dict[str, str],
    makers: tuple[Callable[[int, int], Request], ...],
    p: ServeBenchParams,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Mixed load (search, recommend and an event batch in turn, 8 workers) for
    ``soak_minutes``; resident memory sampled every 10 s."""

    def mixed(w: int, n: int) -> Request:
        return makers[n % 3](w, n)

    samples: list[tuple[float, float]] = []
    started = time.perf_counter()
    end = started + 60 * p.soak_minutes
    total = 0
    while time.perf_counter() < end:
        r = run_load(
            "127.0.0.1", server.port, headers, mixed, 8, min(10.0, end - time.perf_counter())
        )
        total += r.requests
        samples.append((round(time.perf_counter() - started, 1), round(server.rss_mb(), 1)))
        say(f"soak {samples[-1][0]:.0f} s: {samples[-1][1]} MB")
    # growth from the first minute (caches and pools filled) to the end
    warm = next((mb for t, mb in samples if t >= 60), samples[0][1])
    last = samples[-1][1]
    return {
        "minutes": p.soak_minutes,
        "requests": total,
        "rss_mb": samples,
        "rss_after_1_min_mb": warm,
        "rss_end_mb": last,
        "growth_pct": round(100 * (last - warm) / warm, 1) if warm else None,
    }
