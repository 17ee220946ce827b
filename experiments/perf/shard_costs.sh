#!/usr/bin/env bash
# Seconds and peak memory of one `mechpert plan` job (1 strategy × 1 seed, 1 thread) per
# strategy, for the cost model of `plan --shard` (src/plan/shard.rs) and the README "Large
# sweeps" table. Usage: experiments/perf/shard_costs.sh PRESET ROUNDS BATCH [WORKDIR]
#   PRESET  a `mechpert simulate --preset` (small, k562-like)
#   ROUNDS, BATCH  the schedule after `--initial random:10`
#   STRATEGIES     (environment) the strategies to time, one job each (default all)
#   PREDICTOR      (environment) the predictor fitted every round (default consensus:shrunk)
# Prints one TSV row per strategy: strategy, loop wall s (run.json), process wall s, peak RSS MB.
set -euo pipefail
preset=$1 rounds=$2 batch=$3
work=${4:-target/shard-costs/$preset}
bin=$(realpath target/release/mechpert)
agents_toml=$(realpath experiments/perf/noisy_agents.toml)
mkdir -p "$work" && cd "$work"
[ -f screen.h5ad ] || "$bin" simulate --preset "$preset" --seed 1 --out screen.h5ad --truth truth.tsv -q >/dev/null
cp "$agents_toml" agents.toml
/usr/bin/time -f "consensus\t-\t%e\t%M" "$bin" consensus --data screen.h5ad --agents agents.toml \
  --out consensus.tsv --hubs hubs.tsv -q 2>&1 >/dev/null | tail -1 | awk -F'\t' '{printf "%s\t%s\t%s\t%.0f\n", $1, $2, $3, $4/1024}'
for s in ${STRATEGIES:-consensus hubs degree pagerank betweenness eigenvector closeness random uncertainty diversity hybrid oracle}; do
  /usr/bin/time -o time.txt -f "%e\t%M" "$bin" plan --data screen.h5ad --neighbours consensus.tsv \
    --hubs hubs.tsv --graph collectri --strategies "$s" --seeds 1 --threads 1 \
    --predictor "${PREDICTOR:-consensus:shrunk}" \
    --initial random:10 --rounds "$rounds" --batch "$batch" --out "run-$s" --force -q >/dev/null
  loop=$(python3 -c "import json,sys; print(round(json.load(open('run-$s/run.json'))['stages']['loop']['wall_s'], 2))")
  awk -F'\t' -v s="$s" -v l="$loop" '{printf "%s\t%s\t%s\t%.0f\n", s, l, $1, $2/1024}' time.txt
done
