"""One user's recommendation in process, on a built workspace's active release. Writes JSON.

The release is loaded as the service loads it (``open_release``: trees compiled, indexes
built), then ``RecommendService.recommend`` is timed for ``--users`` known users, one call at a
time on one thread, after ``--warmup`` untimed calls; the hybrid's candidate step and each of
its parts' shortlists are timed the same way. This is the in-process share of a
``/v1/recommend`` request in ``shopmind-trainers bench serve``, without HTTP or the load generator.

With ``--pause-ms``, recommend is timed again with a pause before each call, as requests
reach a server that idles between them (an open-loop load at a low rate).

With ``--fp16-recall``, the transformer's float16 shortlist (used from
``SasRecParams.shortlist_fp16_from`` items on) is compared with its exact float32 top ``n``.

Run on the service bench's shop (built by ``shopmind-trainers bench serve --dir
bench/out/serve-100k``; about a minute on 2 vCPUs; see docs/benchmarks.md)::

    .venv/bin/python jobs/trainers/bench/recommend_inprocess.py \\
        --workspace bench/out/serve-100k/workspace \\
        --fp16-recall --pause-ms 50 --out bench/out/recommend_inprocess.json
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.config import load_settings
from shopmind.pipeline.releasing import open_release
from shopmind.recommend.base import top_k
from shopmind.recommend.hybrid import Hybrid
from shopmind.recommend.sasrec.model import SasRec
from shopmind.recommend.threads import limit_threads_for_serving
from shopmind.workspace import Workspace
from shopmind.workspace.releases import ReleaseBook


def _timed(
    calls: list[Callable[[], object]], warmup: int, pause_s: float = 0.0
) -> dict[str, float]:
    for call in calls[:warmup]:
        call()
    ms = []
    for call in calls[warmup:]:
        if pause_s:
            time.sleep(pause_s)
        t = time.perf_counter()
        call()
        ms.append((time.perf_counter() - t) * 1000)
    a = np.asarray(ms)
    return {
        "calls": int(a.shape[0]),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "mean_ms": round(float(a.mean()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--fp16-recall", action="store_true")
    parser.add_argument(
        "--pause-ms",
        type=float,
        default=0.0,
        help="also time recommend with this pause before each call (an idle server's requests)",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    limit_threads_for_serving()
    settings = replace(load_settings(), workspace=args.workspace)
    ws = Workspace.open(args.workspace)
    release = ReleaseBook(ws).active()
    if release is None:
        raise SystemExit(f"{args.workspace} has no active release: build it first")
    service = open_release(ws, settings, release).recommend
    limit_threads_for_serving()  # again: pools loaded with the release
    if service is None:
        raise SystemExit(f"release {release.id} serves no recommender")
    users = list(service.data.users[: args.users + args.warmup])
    result: dict[str, Any] = {
        "workspace": str(args.workspace),
        "release": release.id,
        "items": len(service.catalog),
        "model": service.model.name,
        "recommend": _timed([lambda u=u: service.recommend(u, args.k) for u in users], args.warmup),
    }
    if args.pause_ms > 0:
        result["recommend_after_pause"] = {
            "pause_ms": args.pause_ms,
            **_timed(
                [lambda u=u: service.recommend(u, args.k) for u in users[: args.warmup + 200]],
                args.warmup,
                args.pause_ms / 1000,
            ),
        }
    model = service.model
    histories = [service.history(u) for u in users]
    if isinstance(model, Hybrid):
        n = model.params.candidates
        result["candidates"] = _timed(
            [lambda h=h: model.candidates([h]) for h in histories], args.warmup
        )
        result["shortlists"] = {
            name: _timed([lambda h=h, m=m: m.shortlists([h], n) for h in histories], args.warmup)
            for name, m in model.components.items()
        }
        sasrec = next((m for m in model.components.values() if isinstance(m, SasRec)), None)
        if args.fp16_recall and sasrec is not None:
            found, total = 0, 0
            for h in histories[args.warmup :]:
                if len(h) == 0:
                    continue
                (short,) = sasrec.shortlists([h], n)
                exact = top_k(sasrec.scores([h])[0], n, h.items)
                found += len(set(short.items.tolist()) & set(exact.items.tolist()))
                total += len(exact)
            result["sasrec_fp16_recall"] = {
                "n": n,
                "used": len(sasrec.catalog) >= sasrec.params.shortlist_fp16_from,
                "recall": round(found / max(total, 1), 5),
            }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
