#!/usr/bin/env bash
# Anchor selection on the calibrated simulated preset sparse-noisy (budget50.toml).
#
#   experiments/anchors_sim/run.sh     # writes results/anchors_sim/budget50/
set -euo pipefail
cd "$(dirname "$0")/../.."
"${CARGO:-cargo}" build --release --locked --quiet
start=$(date +%s)
target/release/mechpert plan --config experiments/anchors_sim/budget50.toml --force -q > /dev/null
echo "anchors_sim took $(( $(date +%s) - start )) s wall clock"
target/release/mechpert report results/anchors_sim/budget50 --out results/anchors_sim/report.html -q
