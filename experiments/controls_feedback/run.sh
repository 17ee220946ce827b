#!/usr/bin/env bash
# Permuted-feedback control for the strategies that learn from what they observe (issue 14):
# each setting runs three times: true feedback; `--feedback permuted-to-strategy` (only the
# strategy and the model it reads are misled; the scored predictor trains on the true rows,
# which isolates what a strategy takes from feedback); and `--feedback permuted` (every revealed
# pick is shown another revealed pick's measured response, one seeded cycle per seed; scores
# still use the true held-out responses). uncertainty and hybrid read the fitted model: if they
# gain anything from feedback, the gain should vanish under the permutation. random and
# diversity (graph distance from the measured set) read no response and pick the same genes in
# both runs, so their rows measure what permuted training rows alone cost the predictor. The
# K562 setting needs ../shared/data.
#
#   experiments/controls_feedback/run.sh   # writes results/controls_feedback/{k562,sim}_{true,permuted,permuted-to-strategy}/ and summary.md
#   DATA=other.h5ad OUT=results/controls_other SETTINGS=k562 experiments/controls_feedback/run.sh
#
# Knobs (environment), each unset = as the .toml files say: DATA=FILE replaces the K562 screen
# of the k562 setting (any screen of the same layout; the sim setting simulates its own, its
# agents being noisy copies of the simulation's truth); OUT=DIR (default
# results/controls_feedback); SETTINGS (k562 sim); SEEDS=N; TEST_FRACTION=F (0: score the
# perturbations not yet picked).
set -euo pipefail
cd "$(dirname "$0")/../.."
"${CARGO:-cargo}" build --release --locked --quiet
bin=target/release/mechpert
out=${OUT:-results/controls_feedback}
settings=${SETTINGS:-k562 sim}
for setting in $settings; do
    data=
    [ "$setting" = k562 ] && data=${DATA:-}
    for feedback in true permuted permuted-to-strategy; do
        start=$(date +%s)
        "$bin" plan --config "experiments/controls_feedback/$setting.toml" --feedback "$feedback" \
            ${data:+--data "$data"} ${SEEDS:+--seeds "$SEEDS"} \
            ${TEST_FRACTION:+--test-fraction "$TEST_FRACTION"} \
            --out "$out/${setting}_$feedback" --force -q > /dev/null
        echo "${setting}_$feedback took $(( $(date +%s) - start )) s wall clock; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
python3 experiments/controls_feedback/tabulate.py "$out" $settings
"$bin" report $(for setting in $settings; do for feedback in true permuted-to-strategy permuted; do
    echo "$out/${setting}_$feedback"; done; done) --out "$out/report.html" -q
