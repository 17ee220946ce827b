#!/usr/bin/env bash
# Times mechpert's centralities on the shared STRING graph (17,286 nodes, 174,962 edges).
#
# Usage: experiments/perf/centrality.sh [DATA_DIR]   (default ../shared/data)
# Builds the release binary, then for each measure runs
#   mechpert -v priors centrality --graph string:…/string_v12_edges.tsv.gz --measure M --top 1
# and reads the scoring time from the `scored … seconds=` log line (graph loading excluded; the
# whole command's wall time is shown beside it). Fast measures run 5 times (median reported).
# Then times betweenness against the rustworkx-core 0.18 implementation it replaced
# (experiments/perf/betweenness_rustworkx.rs), one after the other, on STRING and on CollecTRI
# reversed (as the anchors strategies rank them), and checks that the two rankings are the same
# bytes. Prints Markdown tables; nothing is kept (rankings go to a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-../shared/data}
GRAPH="string:$DATA/priors/string_v12_edges.tsv.gz"
cargo build --release --quiet
cargo build --release --quiet --example betweenness_rustworkx
BIN=target/release/mechpert
REFERENCE=target/release/examples/betweenness_rustworkx
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

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

timed() { # label command... -> "wall_seconds user_seconds" (GNU time, whole process)
  local label=$1
  shift
  /usr/bin/time -f '%e %U' -o "$TMP/$label.time" "$@" >/dev/null 2>&1
  cat "$TMP/$label.time"
}

echo
echo "| betweenness on | ours: wall, user (s) | rustworkx-core: wall, user (s) | wall ratio | user ratio | rankings |"
echo "|---|---|---|---|---|---|"
for graph in "$GRAPH" "collectri --reverse"; do
  read -r spec reverse <<<"$graph"
  read -r ow ou < <(timed ours "$BIN" priors centrality --graph "$spec" $reverse --measure betweenness \
    --top 1 --out "$TMP/ours.csv")
  read -r rw ru < <(timed reference "$REFERENCE" "$spec" "$TMP/reference.csv" $reverse)
  same=$(cmp -s "$TMP/ours.csv" "$TMP/reference.csv" && echo identical || echo DIFFERENT)
  printf '| %s | %.1f, %.1f | %.1f, %.1f | %.3f | %.3f | %s |\n' "$spec${reverse:+ $reverse}" "$ow" "$ou" "$rw" "$ru" \
    "$(echo "$ow / $rw" | bc -l)" "$(echo "$ou / $ru" | bc -l)" "$same"
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
