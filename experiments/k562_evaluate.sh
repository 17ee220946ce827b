#!/usr/bin/env bash
# Few-shot prediction benchmark on the real K562 essential-gene signatures (Replogle 2022):
# N = 50 observed perturbations, 10 draws, seed 1. Needs ../shared/data beside the checkout.
#
#   experiments/k562_evaluate.sh            # writes results/k562/{knowledge_consensus.tsv,metrics.csv,summary.md}
#
# Knobs (environment): DATA=FILE the screen (default the K562 signatures; any screen of the same
# layout: perturbations of human genes named by symbol); OUT=DIR (default results/k562); N
# observed (50); DRAWS (10); SEED (1).
#
# Predictors: the training mean; consensus and similarity kNN over a knowledge-only consensus
# (CollecTRI, DoRothEA, TRRUST agents, any one vote suffices: tau 1); graph kNN and ridge over
# STRING v12; graph and ridge also shrunk towards the mean by leave-one-out.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
data=${DATA:-"$shared/perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz"}
string="$shared/priors/string_v12_edges.tsv.gz"
out=${OUT:-results/k562}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/mechpert
"$bin" consensus --data "$data" --agents experiments/agents/knowledge_k562.toml --tau 1 \
    --out "$out/knowledge_consensus.tsv" -q
start=$(date +%s.%N)
"$bin" evaluate --data "$data" --observed "${N:-50}" --draws "${DRAWS:-10}" --seed "${SEED:-1}" \
    --predictors mean,consensus,similarity,graph,ridge,graph:shrunk,ridge:shrunk \
    --neighbours "$out/knowledge_consensus.tsv" --graph "string:$string" \
    --out "$out" -q > /dev/null
end=$(date +%s.%N)
echo "evaluate took $(echo "$end - $start" | bc) s wall clock; summary in $out/summary.md"
