"""LightGBM's own predictor against the same trees compiled by ``shopmind.forest``. Writes JSON.

A LambdaMART-style ranker of the recommendation blend's shape (200 trees, 31 leaves, 24
features, a tenth of the values missing, as components that did not propose an item leave
theirs) is trained on seeded synthetic data; then one request's worth of rows (100 by default,
a typical Beauty user's candidates) is scored again and again on one thread by each predictor.
Reported: microseconds per call (median of repeats), compile seconds, and the largest
difference between the two predictors' scores.

Run (about 30 seconds on 2 vCPUs; see docs/benchmarks.md)::

    .venv/bin/python jobs/trainers/bench/forest_predict.py --out bench/out/forest_predict.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np

from shopmind.forest import Forest


def _data(rng: np.random.Generator, rows: int, features: int) -> np.ndarray:
    x = rng.normal(size=(rows, features))
    x[rng.random(x.shape) < 0.1] = np.nan
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--leaves", type=int, default=31)
    parser.add_argument("--features", type=int, default=24)
    parser.add_argument("--rows", type=int, default=100, help="rows scored per call")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    x = _data(rng, 20_000, args.features)
    signal = np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) * np.nan_to_num(x[:, 2])
    labels = (signal + rng.normal(scale=0.5, size=signal.shape) > 1.0).astype(int)
    booster = lgb.train(
        {
            "objective": "rank_xendcg",
            "num_leaves": args.leaves,
            "learning_rate": 0.05,
            "min_data_in_leaf": 20,
            "num_threads": 1,
            "seed": args.seed,
            "verbose": -1,
        },
        lgb.Dataset(x, labels, group=[100] * (x.shape[0] // 100)),
        num_boost_round=args.trees,
    )
    request = _data(rng, args.rows, args.features)
    plain = Forest(booster)
    compiled = Forest(booster)
    started = time.perf_counter()
    ok = compiled.compile()
    compile_seconds = time.perf_counter() - started
    if not ok:
        raise SystemExit("the trees could not be compiled here (see the warning above)")

    def per_call(forest: Forest) -> float:
        forest.predict(request)
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(args.calls):
                forest.predict(request)
            runs.append((time.perf_counter() - t0) / args.calls * 1e6)
        return statistics.median(runs)

    lightgbm_us = per_call(plain)
    compiled_us = per_call(compiled)
    result = {
        "benchmark": "forest_predict",
        "trees": booster.num_trees(),
        "leaves": args.leaves,
        "features": args.features,
        "rows_per_call": args.rows,
        "lightgbm_us_per_call": round(lightgbm_us, 1),
        "compiled_us_per_call": round(compiled_us, 1),
        "speedup": round(lightgbm_us / compiled_us, 1),
        "compile_seconds": round(compile_seconds, 2),
        "max_abs_difference": float(
            np.abs(plain.predict(request) - compiled.predict(request)).max()
        ),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
