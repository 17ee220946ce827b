#!/usr/bin/env bash
# Read speed of a 2,000 x 8,000 float32 pseudo-bulk h5ad (plus a non-targeting control row),
# next to the same matrix as wide CSV.
#
# Usage: bash experiments/perf/read_h5ad.sh [RUNS]   (default 5; from anywhere in the checkout)
# Writes both files with examples/write_pseudobulk.rs (seeded, so the same on every run) into a
# temporary folder and times `mechpert inspect --json` end to end (process start, gene-symbol
# table, reading, Screen construction with top-DE ranking, summary). Uses hyperfine when it is
# installed (apt-get install hyperfine), else a loop over `date +%s.%N`; prints the median.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-5}"
cd "$root"
cargo build --release --quiet --bin mechpert --example write_pseudobulk
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
target/release/examples/write_pseudobulk "$work/pb.h5ad" 2000 8000 1 "$work/pb.csv"
echo "files: $(du -h "$work/pb.h5ad" | cut -f1) h5ad, $(du -h "$work/pb.csv" | cut -f1) csv (2000 perturbations + control x 8000 genes)"
bin="$root/target/release/mechpert"
"$bin" inspect "$work/pb.h5ad"

median_seconds() { # FILE: median wall time of `mechpert inspect --json FILE` over $runs runs
    local file="$1"
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --warmup 1 --runs "$runs" --export-json "$work/h.json" \
            "$bin inspect --json $file" >/dev/null
        python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json"
    else
        "$bin" inspect --json "$file" >/dev/null # warm-up
        local times=()
        for _ in $(seq "$runs"); do
            local t0 t1
            t0=$(date +%s.%N)
            "$bin" inspect --json "$file" >/dev/null
            t1=$(date +%s.%N)
            times+=("$(echo "$t1 - $t0" | bc -l)")
        done
        printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
    fi
}

base=$(median_seconds "$root/tests/fixtures/h5ad/bulk_expression.h5ad")
h5ad=$(median_seconds "$work/pb.h5ad")
csv=$(median_seconds "$work/pb.csv")
echo "mechpert inspect, median of $runs runs: h5ad ${h5ad} s, csv ${csv} s, csv/h5ad $(echo "$csv / $h5ad" | bc -l | xargs printf '%.1f')x"
echo "fixed cost (a 3 x 6 h5ad: process start, gene-symbol table): ${base} s; reading the 2000 x 8000 h5ad beyond that: $(echo "$h5ad - $base" | bc -l | xargs printf '%.3f') s"
