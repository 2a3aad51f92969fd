#!/usr/bin/env bash
# The recommendation runs quoted in docs/benchmarks.md.
# Usage: bash jobs/trainers/bench/recommend.sh DATASETS_DIR
# (the folder holding amazon_s3rec_beauty_sports_toys/, amazon_titles_seqrecbench/, movielens/).
# Each run fits every model side by side; the transformers train up to --minutes each.
set -euo pipefail
DATA=${1:?usage: jobs/trainers/bench/recommend.sh DATASETS_DIR}
OUT=bench/out
mkdir -p "$OUT"
S3=$DATA/amazon_s3rec_beauty_sports_toys
shopmind-trainers bench recommend --sequences "$S3/Beauty.txt" --items "$S3/Beauty_item_titles.tsv" \
  --models popularity,itemcf,ease,content,sasrec,hybrid --minutes 15 --out "$OUT/rec_beauty.json"
# Sports and Toys have no titles, event types or times: our transformer would be the plain one,
# so the run trains sasrec-plain once and the hybrid blends it
for name in Sports_and_Outdoors Toys_and_Games; do
  shopmind-trainers bench recommend --sequences "$S3/$name.txt" \
    --models popularity,itemcf,ease,sasrec-plain,hybrid --minutes 15 \
    --out "$OUT/rec_$name.json"
done
SRB=$DATA/amazon_titles_seqrecbench
for name in amazon2014-beauty amazon2014-toy; do
  shopmind-trainers bench recommend --interactions "$SRB/$name/interactions.tsv.gz" \
    --items "$SRB/$name/items.tsv.gz" --minutes 15 --out "$OUT/rec_$name.json"
done
shopmind-trainers bench recommend --interactions "$DATA/movielens/ml-1m_seqrecbench/interactions.tsv.gz" \
  --items "$DATA/movielens/ml-1m_seqrecbench/items.tsv.gz" --minutes 15 --out "$OUT/rec_ml-1m.json"
