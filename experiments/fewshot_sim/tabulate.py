#!/usr/bin/env python3
"""Table from the evaluate runs of run.sh (standard library only), with the K562 cell format.

Reads OUT/<setting>_a<A>/metrics.csv and writes OUT/summary.md: per agent setting and count,
pearson_delta, n_fallback and the `:shrunk` α as the mean over draws ± 1.96 standard errors.
"""
import csv
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "fewshot_k562"))
from tabulate import cell  # noqa: E402

SETTINGS = [("r0.6_f0.005", "recall 0.6, fpr 0.005"), ("r0.3_f0.02", "recall 0.3, fpr 0.02")]
AGENTS = [1, 3, 5]
COLUMNS = [("mean", "pearson_delta"), ("consensus", "pearson_delta"),
           ("consensus:shrunk", "pearson_delta"), ("ridge", "pearson_delta"),
           ("consensus", "n_fallback"), ("consensus:shrunk", "alpha")]


def load(path):
    values = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            values.setdefault((r["predictor"], r["metric"]), []).append(float(r["value"]))
    return values


def main():
    out = pathlib.Path(sys.argv[1])
    lines = ["| agents | A | " + " | ".join(f"{p} {m}" for p, m in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    draws = 0
    for setting, label in SETTINGS:
        for a in AGENTS:
            values = load(out / f"{setting}_a{a}" / "metrics.csv")
            draws = len(values[("mean", "pearson_delta")])
            cells = [cell(values.get(key, [])) for key in COLUMNS]
            lines.append(f"| {label} | {a} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    text = f"""# Few-shot prediction on a simulated screen with noisy-truth agents (experiments/fewshot_sim/run.sh)

- data: `mechpert simulate --preset sparse-noisy --seed 1` (600 perturbed × 5,000 measured genes
  over CollecTRI, few regulators in the pool, ~30 cells per perturbation; calibration in
  results/calibration/table.md); not committed, rebuilt by the script in target/fewshot_sim/
- agents: A noisy-truth agents (`backend = "truth"` on the simulator's true network, seed 7),
  each proposing a true regulator with probability *recall* and any other pool gene with
  probability *fpr*; majority vote (1 of 1, 2 of 3, 3 of 5), sum-over-agents weights, k 20
- N = 50 observed perturbations, the other 550 predicted; {draws} draws, seed 1, the same draws
  for every predictor and agent setting
- predictors: the training mean (baseline), consensus kNN, consensus kNN `:shrunk` (α by
  leave-one-out on the observed rows), ridge on a spectral embedding of the consensus graph
- metric: PearsonΔ (`pearson_delta`); n_fallback = held-out perturbations with no observed
  consensus neighbour (answered with the mean); α = weight of the kNN in `:shrunk`.
  Cells: mean over draws ± 1.96 standard errors. Per-run tables with bootstrap CIs and paired
  Wilcoxon p against the mean are in `<setting>_a<A>/summary.md`

{table}
"""
    (out / "summary.md").write_text(text)


if __name__ == "__main__":
    main()
