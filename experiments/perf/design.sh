#!/usr/bin/env bash
# Times `mechpert design --candidates all` over the shared STRING graph (17,286 genes).
#
# Usage: experiments/perf/design.sh [DATA_DIR]   (default ../shared/data)
# Builds the release binary, then times (median of 3, wall seconds, whole command):
#   1. a first screen: no --data, --graph string:…, strategies degree,pagerank,random, budget 50;
#   2. 100 K562 perturbations done (a 100-perturbation subset of the Replogle signatures, made in
#      a temporary folder), knowledge consensus (experiments/agents/knowledge_k562.toml) plus
#      STRING, strategies consensus,degree,pagerank, budget 50.
# Prints a Markdown table. Writes only in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data}
GRAPH="string:$DATA/priors/string_v12_edges.tsv.gz"
K562="$DATA/perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz"
cargo build --release --quiet
BIN=$PWD/target/release/mechpert
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The first 100 perturbations of the ranked signatures (rows are grouped by perturbation).
zcat "$K562" | awk -F, 'NR == 1 { print; next } { if (!($1 in seen)) { n++; seen[$1] = 1 } if (n <= 100) print }' >"$TMP/k562_100.csv"

timed() { # command… -> median wall seconds of 3 runs
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
  done | sort -g | sed -n 2p
}

echo "machine: $(nproc) cores, $(uname -m); graph: $GRAPH"
echo
echo "| run | candidates | wall (s, median of 3) |"
echo "|---|---|---|"
a=$(timed "$BIN" -q design --candidates all --graph "$GRAPH" --strategy degree,pagerank,random \
  --budget 50 --out "$TMP/first.csv")
left() { sed -n 's/^candidates: .* \([0-9]*\) left$/\1/p'; }
n=$("$BIN" design --candidates all --graph "$GRAPH" --strategy degree --budget 50 --out "$TMP/f.csv" | left)
printf '| first screen: degree, pagerank, random | %s | %.2f |\n' "$n" "$a"
b=$(timed "$BIN" -q design --data "$TMP/k562_100.csv" --agents experiments/agents/knowledge_k562.toml \
  --graph "$GRAPH" --candidates all --strategy consensus,degree,pagerank --budget 50 --out "$TMP/next.csv")
n=$("$BIN" design --data "$TMP/k562_100.csv" --agents experiments/agents/knowledge_k562.toml \
  --graph "$GRAPH" --candidates all --strategy consensus --budget 50 --out "$TMP/n.csv" | left)
printf '| 100 K562 done: consensus (knowledge agents), degree, pagerank | %s | %.2f |\n' "$n" "$b"
