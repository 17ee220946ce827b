#!/usr/bin/env bash
# Consensus ablations and controls on the real K562 signatures, few-shot at N = 50 observed,
# 10 draws, seed 1 (the draws of experiments/fewshot_k562 at N = 50), predictors consensus and
# consensus:shrunk over the dense knowledge panel (experiments/fewshot_k562/dense.toml, 8 agents):
#   tau-1, tau-majority, tau-all       vote threshold τ = 1, ⌈8/2⌉ = 4, all 8 answering agents
#   weighting-{sum-over-agents,mean-confidence,borda}   at τ 1
#   shuffled-{1,2,3}                   τ 1 table with every neighbour name permuted (controls.py)
#   symmetrised                        τ 1 table with every edge also reversed (controls.py)
#   directed is tau-1 itself (regulators → target only)
#   panels/without-X, only-X           leave-one-resource-out (7 agents) and each resource alone
#   panels/agents{2,4}-{1..4}          the number of agents: 4 random subsets of 2 and of 4
#                                      resources (panels.py, seed 1); 7 and 8 come from above
# Sub-panel runs keep metrics.csv and summary.md (figures and per-perturbation values are
# deleted, and their consensus tables are .gitignored: `panels/X.toml` rebuilds each in ~8 s).
#
#   experiments/ablations_k562/run.sh    # writes results/ablations_k562/ (summary.md, <variant>/)
#   DATA=screen.h5ad OUT=results/ablations_other experiments/ablations_k562/run.sh
#
# Knobs (environment): DATA=FILE the screen (default the K562 signatures above; any screen of
# the same layout: perturbations of human genes named by symbol); OUT=DIR where everything goes
# (default results/ablations_k562); N observed per draw (50), DRAWS (10), SEED (1).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=../shared/data
data=${DATA:-"$shared/perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz"}
out=${OUT:-results/ablations_k562}
n=${N:-50} draws=${DRAWS:-10} seed=${SEED:-1}
mkdir -p "$out"
"${CARGO:-cargo}" build --release --locked --quiet
bin=target/release/mechpert
start=$(date +%s)
consensus() { # VARIANT TAU WEIGHTING
    "$bin" consensus --data "$data" --agents experiments/fewshot_k562/dense.toml --tau "$2" \
        --weighting "$3" --out "$out/$1.tsv" -q > /dev/null
}
consensus tau-1 1 sum-over-agents
consensus tau-majority majority sum-over-agents
consensus tau-all 1.0 sum-over-agents
consensus weighting-mean-confidence 1 mean-confidence
consensus weighting-borda 1 borda
for seed in 1 2 3; do
    python3 experiments/ablations_k562/controls.py shuffle "$out/tau-1.tsv" "$out/shuffled-$seed.tsv" "$seed"
done
python3 experiments/ablations_k562/controls.py symmetrise "$out/tau-1.tsv" "$out/symmetrised.tsv"
variants="tau-1 shuffled-1 symmetrised tau-majority weighting-mean-confidence tau-all weighting-borda shuffled-2 shuffled-3"
for v in $variants; do
    if [ "$(wc -l < "$out/$v.tsv")" -le 1 ]; then # τ all: the 8 resources never all agree
        echo "$v: the consensus has no edges, nothing to evaluate"
        continue
    fi
    "$bin" evaluate --data "$data" --observed "$n" --draws "$draws" --seed "$seed" \
        --predictors consensus,consensus:shrunk --neighbours "$out/$v.tsv" \
        --out "$out/$v" --force -q > /dev/null
done
echo "variants done after $(( $(date +%s) - start )) s"
panels=$(python3 experiments/ablations_k562/panels.py experiments/fewshot_k562/dense.toml "$out/panels" 1)
for p in $panels; do
    "$bin" consensus --data "$data" --agents "$out/panels/$p.toml" --out "$out/panels/$p.tsv" -q > /dev/null
    if [ "$(wc -l < "$out/panels/$p.tsv")" -le 1 ]; then
        echo "$p: the consensus has no edges, nothing to evaluate"
        rm -rf "${out:?}/panels/$p"
        continue
    fi
    "$bin" evaluate --data "$data" --observed "$n" --draws "$draws" --seed "$seed" \
        --predictors consensus,consensus:shrunk --neighbours "$out/panels/$p.tsv" \
        --out "$out/panels/$p" --force -q > /dev/null
    rm -f "$out/panels/$p"/predictors_* "$out/panels/$p/per_perturbation.csv"
done
python3 experiments/ablations_k562/tabulate.py "$out" $variants --panels $panels
echo "ablations took $(( $(date +%s) - start )) s wall clock (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)); summary in $out/summary.md"
"$bin" report $(for v in $variants; do [ -d "$out/$v" ] && echo "$out/$v"; done) \
    --out "$out/report.html" -q
