#!/usr/bin/env bash
# Anchor selection on the calibrated simulated preset sparse-noisy (budget50.toml).
#
#   experiments/anchors_sim/run.sh     # writes results/anchors_sim/budget50/
#
# Knobs (environment), each unset = as budget50.toml says: OUT=DIR (default results/anchors_sim:
# the run in DIR/budget50, the report in DIR); SEEDS=N; PREDICTOR=NAME; TEST_FRACTION=F (0:
# score the perturbations not yet picked). No DATA: the agents are noisy copies of the
# simulation's own truth, which a screen file does not have (experiments/anchors_k562/run.sh
# takes DATA=FILE with knowledge-resource agents).
set -euo pipefail
cd "$(dirname "$0")/../.."
"${CARGO:-cargo}" build --release --locked --quiet
out=${OUT:-results/anchors_sim}
start=$(date +%s)
target/release/mechpert plan --config experiments/anchors_sim/budget50.toml \
    ${OUT:+--out "$OUT/budget50"} ${SEEDS:+--seeds "$SEEDS"} \
    ${PREDICTOR:+--predictor "$PREDICTOR"} ${TEST_FRACTION:+--test-fraction "$TEST_FRACTION"} \
    --force -q > /dev/null
echo "anchors_sim took $(( $(date +%s) - start )) s wall clock"
target/release/mechpert report "$out/budget50" --out "$out/report.html" -q
