#!/usr/bin/env bash
# Times `mechpert simulate --preset k562-like` (2,000 perturbed × 8,000 measured genes over
# CollecTRI, pseudo-bulk h5ad) in release under /usr/bin/time -v and prints wall time and max RSS.
# Target (issue 3): < 30 s and < 4 GB on 2 cores.
#
# Usage: experiments/perf/simulate.sh [extra simulate flags…]
#   RAYON_NUM_THREADS defaults to 2 (the target machine's cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-2}"
/usr/bin/time -v target/release/mechpert -q simulate --preset k562-like --seed 1 \
    --out "$out/screen.h5ad" --truth "$out/truth.tsv" "$@" >"$out/summary.txt" 2>"$out/time.txt"
cat "$out/summary.txt"
wall=$(grep 'Elapsed (wall clock)' "$out/time.txt" | awk '{print $NF}')
rss_kb=$(grep 'Maximum resident set size' "$out/time.txt" | awk '{print $NF}')
size=$(du -h "$out/screen.h5ad" | cut -f1)
echo "threads ${RAYON_NUM_THREADS}, cores $(nproc): wall ${wall}, max RSS $((rss_kb / 1024)) MB, screen.h5ad ${size}"
