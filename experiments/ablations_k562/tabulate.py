#!/usr/bin/env python3
"""summary.md for run.sh: one row per consensus variant, then the sub-panels (standard library only).

  tabulate.py OUT VARIANT... [--panels PANEL...]
      reads OUT/VARIANT.tsv (the consensus table) and OUT/VARIANT/metrics.csv (the evaluate
      run); for each sub-panel OUT/panels/PANEL.toml (its agents), OUT/panels/PANEL.tsv and
      OUT/panels/PANEL/metrics.csv, compared draw by draw with the full panel (tau-1)
"""
import csv
import math
import pathlib
import statistics
import sys
import tomllib

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


def per_draw(run):
    """{(predictor, metric): [value per draw, in draw order]} of an evaluate run's metrics.csv."""
    values = {}
    with (run / "metrics.csv").open() as f:
        for r in csv.DictReader(f):
            values.setdefault((r["predictor"], r["metric"]), []).append(float(r["value"]))
    return values


def paired(a, b):
    """mean of a − b over paired draws ± 1.96 standard errors of the differences."""
    d = [x - y for x, y in zip(a, b)]
    se = statistics.stdev(d) / math.sqrt(len(d))
    return f"{statistics.fmean(d):+.3f} ± {1.96 * se:.3f}"


def panel_tables(out, panels):
    """The leave-one-resource-out table and the number-of-agents table, as markdown."""
    full = per_draw(out / "tau-1")
    shrunk = ("consensus:shrunk", "pearson_delta")
    rows, by_size = [], {8: [("all 8 (tau-1)", statistics.fmean(full[shrunk]))]}
    for p in panels:
        agents = [a["name"] for a in tomllib.loads((out / "panels" / f"{p}.toml").read_text())["agent"]]
        edges = sum(1 for _ in (out / "panels" / f"{p}.tsv").open()) - 1
        if not (out / "panels" / p / "metrics.csv").exists():  # no edge: nothing to evaluate
            rows.append(f"| {p} | {len(agents)} | {', '.join(agents)} | {edges} | – | – | – | – |")
            by_size.setdefault(len(agents), []).append((p, float("nan")))
            continue
        v = per_draw(out / "panels" / p)
        pd = lambda q: cell(v[(q, "pearson_delta")])  # noqa: E731
        rows.append(
            f"| {p} | {len(agents)} | {', '.join(agents)} | {edges} | {pd('consensus')} | "
            f"{pd('consensus:shrunk')} | {paired(v[shrunk], full[shrunk])} | "
            f"{cell(v[('consensus', 'n_fallback')])} |"
        )
        by_size.setdefault(len(agents), []).append((p, statistics.fmean(v[shrunk])))
    loro = "\n".join([
        "| panel | agents | resources | edges | consensus | consensus:shrunk | :shrunk − full panel (paired) | consensus fallbacks |",
        "|---|---|---|---|---|---|---|---|",
        f"| tau-1 (full panel) | 8 | all | {sum(1 for _ in (out / 'tau-1.tsv').open()) - 1} | "
        f"{cell(full[('consensus', 'pearson_delta')])} | {cell(full[shrunk])} | – | "
        f"{cell(full[('consensus', 'n_fallback')])} |",
        *rows,
    ])
    sizes = ["| agents | panels | consensus:shrunk PearsonΔ, mean over panels | lowest (panel) | highest (panel) |",
             "|---|---|---|---|---|"]
    for size in sorted(by_size):
        got = [(p, x) for p, x in by_size[size] if not math.isnan(x)]
        lo, hi = min(got, key=lambda t: t[1]), max(got, key=lambda t: t[1])
        sizes.append(f"| {size} | {len(by_size[size])} | {statistics.fmean(x for _, x in got):.3f} | "
                     f"{lo[1]:.3f} ({lo[0]}) | {hi[1]:.3f} ({hi[0]}) |")
    return loro, "\n".join(sizes)


def main():
    out = pathlib.Path(sys.argv[1])
    args = sys.argv[2:]
    panels = args[args.index("--panels") + 1:] if "--panels" in args else []
    variants = args[:args.index("--panels")] if "--panels" in args else args
    lines = [
        "| variant | what | edges | mean | consensus | consensus:shrunk | consensus fallbacks |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in variants:
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
    sub = ""
    if panels:
        loro, sizes = panel_tables(out, panels)
        sub = f"""
## Leave-one-resource-out and number of agents

The same N = 50 draws (10, seed 1), predictors and metric; each sub-panel keeps the dense
panel's settings (τ 1, sum-over-agents, k 50) and a subset of its 8 resources, written by
`experiments/ablations_k562/panels.py` into [panels/](panels/) (`without-X`: the 7 others;
`only-X`: X alone; `agentsK-i`: K resources drawn with Python's `random.Random(1).sample`).
The paired column is the mean over draws of (sub-panel − full panel) `consensus:shrunk`
PearsonΔ ± 1.96 standard errors of those differences (the draws are shared, so the
differences are paired). Training mean on these draws: {cell(per_draw(out / "tau-1")[("mean", "pearson_delta")])}.

{loro}

Number of agents (`consensus:shrunk` PearsonΔ; 7 = the eight leave-one-out panels, 1 = the
eight single resources):

{sizes}
"""
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
{sub}""")


if __name__ == "__main__":
    main()
