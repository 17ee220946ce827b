#!/usr/bin/env bash
# Times mechpert's centralities on the shared STRING graph (17,286 nodes, 174,962 edges).
#
# Usage: experiments/perf/centrality.sh [DATA_DIR]   (default ../shared/data)
# Builds the release binary, then for each measure runs
#   mechpert -v priors centrality --graph string:…/string_v12_edges.tsv.gz --measure M --top 1
# and reads the scoring time from the `scored … seconds=` log line (graph loading excluded; the
# whole command's wall time is shown beside it). Fast measures run 5 times (median reported).
# Prints a Markdown table. Nothing is written.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data}
GRAPH="string:$DATA/priors/string_v12_edges.tsv.gz"
cargo build --release --quiet
BIN=target/release/mechpert

scored() { # measure -> "score_seconds wall_seconds"
  local start end log
  start=$(date +%s.%N)
  log=$(RUST_LOG=info "$BIN" -v priors centrality --graph "$GRAPH" --measure "$1" --top 1 2>&1 >/dev/null)
  end=$(date +%s.%N)
  local s
  s=$(printf '%s\n' "$log" | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'seconds=[0-9.e-]*' | cut -d= -f2)
  echo "$s $(echo "$end - $start" | bc -l)"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(uname -m); graph: $GRAPH"
echo
echo "| measure | scoring time (s) | whole command (s) | runs |"
echo "|---|---|---|---|"
for m in pagerank eigenvector katz weighted-degree; do
  runs=$(for _ in 1 2 3 4 5; do scored "$m"; done)
  s=$(echo "$runs" | awk '{print $1}' | median)
  w=$(echo "$runs" | awk '{print $2}' | median)
  printf '| %s | %.4f | %.2f | 5 (median) |\n' "$m" "$s" "$w"
done
for m in closeness betweenness; do
  read -r s w < <(scored "$m")
  printf '| %s | %.1f | %.1f | 1 |\n' "$m" "$s" "$w"
done
