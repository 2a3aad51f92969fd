#!/usr/bin/env bash
# The ingest figures of docs/benchmarks.md, after `make install` (`make bench` runs it).
set -euo pipefail
# The venv and bench/out live at the repository root, three levels above this script.
cd "$(dirname "$0")/../../.."
SM=.venv/bin/shopmind-trainers
OUT=bench/out
mkdir -p "$OUT"
$SM bench ingest --events 1000000 --out "$OUT/ingest-1m.json"
$SM bench ingest --events 1000000 --gzip --out "$OUT/ingest-1m-gz.json"
$SM bench ingest --events 1000000 --format jsonl --out "$OUT/ingest-1m-jsonl.json"
$SM bench ingest --events 1000000 --format parquet --out "$OUT/ingest-1m-parquet.json"
$SM bench ingest --events 1000000 --malformed 0.01 --out "$OUT/ingest-1m-malformed.json"
$SM bench ingest --events 10000000 --items 200000 --users 1000000 --out "$OUT/ingest-10m.json"
# The same 10M events with DuckDB held to 512 MiB: peak memory follows the setting.
SHOPMIND_MEMORY_LIMIT_MB=512 $SM bench ingest --events 10000000 --items 200000 --users 1000000 \
  --out "$OUT/ingest-10m-512mb.json"
