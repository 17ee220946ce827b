#!/usr/bin/env bash
# Few-shot prediction on the embedded Renge iPSC screen (Ishikawa et al. 2023: 23 CRISPR knockouts,
# 103 measured genes, single cells aggregated to pseudo-bulk, responses = profile − control).
# Small: N = 10 observed knockouts, the other 13 predicted, 20 random draws, seed 1 (the same
# draws for every predictor). Knowledge panels, all offline (`mechpert consensus --tau 1`):
#   bundled  CollecTRI, DoRothEA, OmniPath compiled into mechpert (experiments/agents/knowledge_bundled.toml)
#   dense    the K562 dense panel (experiments/fewshot_k562/dense.toml; needs ../shared/data)
#   string   STRING v12 alone (experiments/fewshot_k562/string_only.toml; needs ../shared/data)
# GO co-annotation gives no edge inside this 23-gene pool, so it has no row. The STRING v12
# graph feeds `graph`, `ridge` and `stack`, as on K562.
#
#   experiments/fewshot_renge/run.sh      # writes results/fewshot_renge/ (summary.md, n10/)
#
# Knobs (environment): DATA=FILE the screen (default the embedded Renge screen; any screen of
# the same layout: perturbations of human genes named by symbol); OUT=DIR (default
# results/fewshot_renge); N observed (10); DRAWS (20); SEED (1).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=../shared/data
if [ ! -d "$shared/priors" ]; then
    echo "SKIP fewshot_renge: $shared/priors is absent (STRING and the dense panel need it)" >&2
    exit 0
fi
data=${DATA:-experiments/data/embedded/renge_ipsc.h5ad}
string="string:$shared/priors/string_v12_edges.tsv.gz"
out=${OUT:-results/fewshot_renge}
n=${N:-10} draws=${DRAWS:-20} seed=${SEED:-1}
mkdir -p "$out"
"${CARGO:-cargo}" build --release --locked --quiet
bin=target/release/mechpert
start=$(date +%s)
for spec in bundled=experiments/agents/knowledge_bundled.toml dense=experiments/fewshot_k562/dense.toml \
    string=experiments/fewshot_k562/string_only.toml; do
    "$bin" consensus --data "$data" --agents "${spec#*=}" --tau 1 --out "$out/consensus_${spec%%=*}.tsv" -q
done
evaluate() { # PANEL PREDICTORS [extra args]
    local panel=$1 predictors=$2
    shift 2
    "$bin" evaluate --data "$data" --observed "$n" --draws "$draws" --seed "$seed" \
        --predictors "$predictors" --neighbours "$out/consensus_$panel.tsv" "$@" \
        --out "$out/n$n/$panel" --force -q > /dev/null
}
evaluate dense mean,consensus,consensus:shrunk,similarity,similarity:shrunk,graph,graph:shrunk,ridge,ridge:shrunk,stack --graph "$string"
evaluate bundled consensus,consensus:shrunk
evaluate string similarity,similarity:shrunk
python3 experiments/fewshot_renge/tabulate.py "$out"
echo "few-shot Renge took $(( $(date +%s) - start )) s wall clock; summary in $out/summary.md"
"$bin" report "$out/n$n/dense" "$out/n$n/bundled" "$out/n$n/string" --out "$out/report.html" -q
