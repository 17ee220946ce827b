#!/usr/bin/env python3
"""curves.md for run.sh: each learning-curve run's PearsonΔ by number observed (standard library only).

  tabulate.py OUT RUN...   reads OUT/RUN/rounds.csv, writes OUT/curves.md

Per run, strategy and number observed: PearsonΔ of the run's predictor (run.json) on what the
run scored (its fixed test set, or every knockdown not yet picked), mean over seeds, and the training mean fitted on the same picks; then the best
knowledge-driven MechPert strategy (consensus, hubs, hybrid) against the best centrality
heuristic and against random at each budget, differences paired by seed (mean and how many
seeds were lower).
"""
import csv
import json
import pathlib
import statistics
import sys

MECHPERT = ["consensus", "hubs", "hybrid"]
CENTRALITY = ["degree", "pagerank", "betweenness", "eigenvector"]


def load(path):
    """{(predictor, strategy, n_observed): {seed: pearson_delta}}."""
    values = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            if r["metric"] == "pearson_delta":
                key = (r["predictor"], r["strategy"], int(r["n_observed"]))
                values.setdefault(key, {})[int(r["seed"])] = float(r["value"])
    return values


def run_tables(out, run):
    v = load(out / run / "rounds.csv")
    predictor = json.loads((out / run / "run.json").read_text())["predictor"]
    strategies = list(dict.fromkeys(s for p, s, _ in v if p == predictor))
    sizes = sorted({n for _, _, n in v})
    mean = lambda p, s, n: statistics.fmean(v[(p, s, n)].values())  # noqa: E731
    lines = ["| strategy | " + " | ".join(f"{n}" for n in sizes) + " | training mean at " + f"{sizes[-1]} |",
             "|---|" + "---|" * (len(sizes) + 1)]
    for s in strategies:
        label = "oracle (upper bound)" if s == "oracle" else s
        cells = [f"{mean(predictor, s, n):.3f}" for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {mean('mean', s, sizes[-1]):.3f} |")
    head = ["| observed | best MechPert (consensus, hubs, hybrid) | best centrality | random | MechPert − centrality (seeds lower) | MechPert − random (seeds lower) |",
            "|---|---|---|---|---|---|"]
    for n in sizes:
        best = lambda names: max((s for s in names if s in strategies), key=lambda s: mean(predictor, s, n))  # noqa: E731
        m, c = best(MECHPERT), best(CENTRALITY)
        def paired(a, b):
            x, y = v[(predictor, a, n)], v[(predictor, b, n)]
            d = [x[k] - y[k] for k in sorted(x)]
            return f"{statistics.fmean(d):+.3f} ({sum(e < 0 for e in d)}/{len(d)})"
        head.append(f"| {n} | {m} {mean(predictor, m, n):.3f} | {c} {mean(predictor, c, n):.3f} | "
                    f"{mean(predictor, 'random', n):.3f} | {paired(m, c)} | {paired(m, 'random')} |")
    return "\n".join(lines), "\n".join(head)


def protocol(out, run):
    """The run's predictor, seeds and what it was scored on, from its run.json."""
    meta = json.loads((out / run / "run.json").read_text())
    scored = meta.get("scored_on", "the perturbations not yet picked")
    return f"predictor `{meta['predictor']}`, {len(meta['seeds'])} seeds, scored on {scored}"


def main():
    out = pathlib.Path(sys.argv[1])
    parts = ["# Anchor learning curves (experiments/anchors_k562/run.sh)\n",
             "PearsonΔ of each run's predictor (dense knowledge panel; named under each run with its seeds "
             "and what it was scored on) after each round, mean over seeds; nothing observed, then rounds "
             "of 10, 15, 25, 50, 100 picks; columns = knockdowns observed. CIs, AULC and exact paired "
             "Wilcoxon p for the final round are in each run's summary.md.\n"]
    for run in sys.argv[2:]:
        if not (out / run / "rounds.csv").exists():
            continue
        table, head = run_tables(out, run)
        parts += [f"## {run} ([summary.md]({run}/summary.md))\n", protocol(out, run) + "\n", table + "\n",
                  head + "\n"]
    (out / "curves.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main()
