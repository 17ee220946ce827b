#!/usr/bin/env bash
# Few-shot prediction on a calibrated simulated screen (`mechpert simulate --preset sparse-noisy
# --seed 1`: 600 perturbed × 5,000 measured genes over CollecTRI, ~30 cells per perturbation; see
# results/calibration/table.md) with noisy-truth agents standing in for LLMs: 1, 3 and 5 agents
# (majority vote, sum-over-agents weights) at two settings, recall 0.6 / false-positive rate 0.005
# (the agents of experiments/agents/noisy_truth.toml) and recall 0.3 / 0.02. N = 50 observed, the
# other 550 predicted, 10 draws, seed 1, the same draws for every predictor.
# `ridge` embeds the consensus graph (no --graph: the simulator's own network would be the truth).
# The screen and the generated agents.toml files go to target/fewshot_sim/ (not committed).
#
#   experiments/fewshot_sim/run.sh     # writes results/fewshot_sim/ (summary.md, <setting>_a<A>/)
#
# Knobs (environment): OUT=DIR (default results/fewshot_sim); N observed (50); DRAWS (10); SEED
# of the draws (1). No DATA: the agents are noisy copies of the simulation's own truth, which a
# screen file does not have (experiments/fewshot_k562/run.sh takes DATA=FILE with
# knowledge-resource agents).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-results/fewshot_sim}
scratch=target/fewshot_sim
n=${N:-50} draws=${DRAWS:-10} seed=${SEED:-1}
mkdir -p "$out" "$scratch"
"${CARGO:-cargo}" build --release --locked --quiet
bin=target/release/mechpert
start=$(date +%s)
"$bin" simulate --preset sparse-noisy --seed 1 --out "$scratch/screen.h5ad" --truth "$scratch/truth.tsv" -q
for setting in r0.6_f0.005 r0.3_f0.02; do
    recall=${setting#r}; recall=${recall%_*}; fpr=${setting#*_f}
    for agents in 1 3 5; do
        name=${setting}_a$agents
        cat > "$scratch/$name.toml" <<TOML
cell_context = "simulated cells, CRISPRi knockdown"
question = "regulators"
k = 20

[consensus]
tau = "majority"
weighting = "sum-over-agents"

[[agent]]
backend = "truth"
name = "noisy"
truth = "truth.tsv"
instances = $agents
recall = $recall
fpr = $fpr
seed = 7
TOML
        "$bin" evaluate --data "$scratch/screen.h5ad" --observed "$n" --draws "$draws" --seed "$seed" \
            --predictors mean,consensus,consensus:shrunk,ridge --agents "$scratch/$name.toml" \
            --out "$out/$name" --force -q > /dev/null
        echo "$name done after $(( $(date +%s) - start )) s"
    done
done
python3 experiments/fewshot_sim/tabulate.py "$out"
echo "few-shot simulated took $(( $(date +%s) - start )) s wall clock; summary in $out/summary.md"
"$bin" report "$out"/r*_a* --out "$out/report.html" -q
