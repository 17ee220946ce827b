#!/usr/bin/env python3
"""summary.md for run.sh: one row per consensus variant (standard library only).

  tabulate.py OUT VARIANT...   reads OUT/VARIANT.tsv (the consensus table) and
                               OUT/VARIANT/metrics.csv (the evaluate run)
"""
import csv
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "fewshot_k562"))
from tabulate import cell  # noqa: E402  (mean ± 1.96 standard errors over draws)

WHAT = {
    "tau-1": "τ 1 (any vote), sum-over-agents; directed regulators → target",
    "tau-majority": "τ majority (4 of 8)",
    "tau-all": "τ all (8 of 8)",
    "weighting-mean-confidence": "τ 1, mean-confidence weights",
    "weighting-borda": "τ 1, Borda weights",
    "shuffled-1": "control: τ 1, neighbour names permuted (seed 1)",
    "shuffled-2": "control: τ 1, neighbour names permuted (seed 2)",
    "shuffled-3": "control: τ 1, neighbour names permuted (seed 3)",
    "symmetrised": "τ 1, every edge also reversed (undirected)",
}


def main():
    out = pathlib.Path(sys.argv[1])
    lines = [
        "| variant | what | edges | mean | consensus | consensus:shrunk | consensus fallbacks |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in sys.argv[2:]:
        edges = sum(1 for _ in (out / f"{v}.tsv").open()) - 1
        values = {}
        if not (out / v / "metrics.csv").exists():  # an empty consensus is not evaluated
            lines.append(f"| {v} | {WHAT.get(v, '')} | {edges} | – | – | – | – |")
            continue
        with (out / v / "metrics.csv").open() as f:
            for r in csv.DictReader(f):
                values.setdefault((r["predictor"], r["metric"]), []).append(float(r["value"]))
        pd = lambda p: cell(values.get((p, "pearson_delta"), []))  # noqa: E731
        lines.append(
            f"| {v} | {WHAT.get(v, '')} | {edges} | {pd('mean')} | {pd('consensus')} | "
            f"{pd('consensus:shrunk')} | {cell(values.get(('consensus', 'n_fallback'), []))} |"
        )
    table = "\n".join(lines)
    (out / "summary.md").write_text(f"""# Consensus ablations and controls on real K562 (experiments/ablations_k562/run.sh)

- data: `../shared/data/perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz`
  (585 × 7,225, rank scores)
- N = 50 observed, 535 predicted, 10 draws, seed 1 (the same draws in every row)
- knowledge: the dense panel of 8 offline knowledge agents (experiments/fewshot_k562/dense.toml)
- metric: PearsonΔ, mean over draws ± 1.96 standard errors; baseline: the training mean
- predictors: `consensus` (weighted mean of observed consensus neighbours) and
  `consensus:shrunk` (blended with the mean, α and weight power by leave-one-out on the observed
  rows); per-run bootstrap CIs and Wilcoxon p in `<variant>/summary.md`

{table}
""")


if __name__ == "__main__":
    main()
