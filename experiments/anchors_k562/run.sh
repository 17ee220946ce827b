#!/usr/bin/env bash
# Anchor selection on the real K562 essential-gene signatures (Replogle 2022, rank scores).
# Needs ../shared/data beside the checkout.
#
#   experiments/anchors_k562/run.sh     # writes results/anchors_k562/{acceptance,curve_collectri,curve_string,curve_collectri_pool,curve_collectri_stack}
#   RUNS=curve_string experiments/anchors_k562/run.sh   # one of them
# then results/anchors_k562/curves.md from the runs present (tabulate.py: PearsonΔ by number
# observed; anchors against random and the best centrality at each budget, paired by seed).
#
# acceptance: rounds of 25, 25, 50 picks, 10 seeds, a fixed test set per seed (a fifth),
# centralities on CollecTRI. curve_*: rounds of 10, 15, 25, 50, 100 picks (10 → 200 observed),
# 10 seeds; curve_collectri holds the anchor ablation (kernels, facility location, the set cover)
# and uncertainty; curve_string ranks the centralities on STRING; curve_collectri_pool scores
# each strategy on what it has not picked (no test set); curve_collectri_stack scores `stack`.
# Centrality scores are cached in target/centrality-cache (CENTRALITY_CACHE=DIR to move it); the
# cache changes no number. Predictor (but for _stack): consensus kNN over the dense knowledge
# panel (experiments/fewshot_k562/dense.toml), shrunk to the mean by leave-one-out. Each run's
# summary.md has CIs and paired tests.
#
# Knobs (environment), each unset = as the .toml files say:
#   DATA=FILE        the screen, replacing the K562 file (any screen of the same layout)
#   OUT=DIR          write the runs to DIR/<run> and the tables to DIR (default results/anchors_k562)
#   SEEDS=N          seeds 1…N
#   PREDICTOR=NAME   the predictor fitted every round, e.g. stack
#   TEST_FRACTION=F  the fixed test set per seed (0: score the perturbations not yet picked)
#   RUNS, CENTRALITY_CACHE as above
#   DATA=other.h5ad OUT=results/anchors_other SEEDS=10 experiments/anchors_k562/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
"${CARGO:-cargo}" build --release --locked --quiet
bin=target/release/mechpert
all="acceptance curve_collectri curve_string curve_collectri_pool curve_collectri_stack"
runs=${RUNS:-$all}
cache=${CENTRALITY_CACHE:-target/centrality-cache}
out=${OUT:-results/anchors_k562}
for run in $runs; do
    start=$(date +%s)
    "$bin" plan --config "experiments/anchors_k562/$run.toml" --centrality-cache "$cache" \
        ${DATA:+--data "$DATA"} ${OUT:+--out "$OUT/$run"} ${SEEDS:+--seeds "$SEEDS"} \
        ${PREDICTOR:+--predictor "$PREDICTOR"} ${TEST_FRACTION:+--test-fraction "$TEST_FRACTION"} \
        --force -q > /dev/null
    echo "$run took $(( $(date +%s) - start )) s wall clock; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 experiments/anchors_k562/tabulate.py "$out" $all
"$bin" report $(for run in $all; do
    [ -d "$out/$run" ] && echo "$out/$run"; done) \
    --out "$out/report.html" -q
