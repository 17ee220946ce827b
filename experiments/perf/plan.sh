#!/usr/bin/env bash
# Speed and memory of the design loop at K562 scale, beside an efficient numpy/scipy loop.
#
#   bash experiments/perf/plan.sh [RUNS]
#
# A simulated k562-like screen (2,000 perturbations × 8,000 genes), the perfect-truth consensus
# (experiments/perf/perfect_agents.toml: the simulated truth graph itself), `mechpert plan` with
# strategies consensus, degree, pagerank, random, uncertainty × 5 seeds × 5 rounds of 10,
# predictor consensus:shrunk (the training mean scored beside it), metrics pearson_delta and
# mse, 2 threads; then experiments/reference/plan_numpy.py doing the same work on the same
# screen and consensus (venv under target/ with numpy, scipy and h5py from PyPI). Each side runs
# RUNS times (default 3), alternating, whole process under GNU time; the machine's load average
# is printed before each run. Targets: mechpert ≤ 3 s wall and ≥ 20× faster than numpy.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
cargo build --release --quiet --locked
bin=$PWD/target/release/mechpert
reference=$PWD/experiments/reference/plan_numpy.py
venv=$PWD/target/venv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet numpy scipy h5py; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp experiments/perf/perfect_agents.toml "$work/agents.toml"
cd "$work"
"$bin" simulate --preset k562-like --seed 1 --out screen.h5ad --truth truth.tsv -q > /dev/null
"$bin" consensus --data screen.h5ad --agents agents.toml --out consensus.tsv --hubs hubs.tsv -q > /dev/null
echo "machine: $(nproc) cores; consensus: $(($(wc -l < consensus.tsv) - 1)) edges"
for i in $(seq "$runs"); do
    echo "run $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "  mechpert plan: %e s wall, %U s user, %S s system, peak RSS %M KB" \
        "$bin" plan --data screen.h5ad --neighbours consensus.tsv --hubs hubs.tsv --graph consensus \
        --strategies consensus,degree,pagerank,random,uncertainty --predictor consensus:shrunk \
        --metrics pearson_delta,mse --seeds 5 --rounds 5 --batch 10 --threads 2 --out plan --force -q > /dev/null
    python3 - <<'PY'
import json
d = json.load(open("plan/run.json"))
print("  stages (wall s / cpu s):", ", ".join(f"{k} {v['wall_s']:.2f}/{v['cpu_s']:.2f}" for k, v in d["stages"].items()))
PY
    /usr/bin/time -f "  numpy reference: %e s wall, %U s user, peak RSS %M KB" \
        "$venv/bin/python" "$reference" screen.h5ad consensus.tsv | sed 's/^/  /'
done
