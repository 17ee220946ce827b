#!/usr/bin/env bash
# Speed and memory of the design loop at K562 scale, beside a plain numpy implementation.
#
#   bash experiments/perf/plan.sh
#
# A simulated k562-like screen (2,000 perturbations × 8,000 genes), three noisy-truth agents'
# majority consensus, 6 strategies × 5 seeds × 5 rounds of 10, predictor consensus:shrunk, the
# default metrics, 2 threads. Prints wall time and peak RSS (GNU time), the split by stage from
# run.json, and the numpy reference (experiments/reference/plan_numpy.py, throwaway venv with
# numpy and h5py from PyPI) on the same screen and consensus. Targets: ≤ 10 s wall, ≤ 300 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --locked
bin=$PWD/target/release/mechpert
agents_toml=$PWD/experiments/perf/noisy_agents.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" simulate --preset k562-like --seed 1 --out screen.h5ad --truth truth.tsv -q > /dev/null
cp "$agents_toml" agents.toml
"$bin" consensus --data screen.h5ad --agents agents.toml --out consensus.tsv --hubs hubs.tsv -q > /dev/null
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "mechpert plan: %e s wall, %U s user, %S s system, peak RSS %M KB" \
    "$bin" plan --data screen.h5ad --neighbours consensus.tsv --hubs hubs.tsv --graph collectri \
    --strategies consensus,hubs,degree,pagerank,random,uncertainty --predictor consensus:shrunk \
    --seeds 5 --rounds 5 --batch 10 --threads 2 --out plan -q > /dev/null
python3 - <<'PY'
import json
d = json.load(open("plan/run.json"))
print("stages (wall s / cpu s):", ", ".join(f"{k} {v['wall_s']:.2f}/{v['cpu_s']:.2f}" for k, v in d["stages"].items()))
PY
python3 -m venv venv > /dev/null
venv/bin/pip install --quiet numpy h5py > /dev/null
/usr/bin/time -f "numpy reference: %e s wall, peak RSS %M KB" \
    venv/bin/python "$OLDPWD/experiments/reference/plan_numpy.py" screen.h5ad consensus.tsv
