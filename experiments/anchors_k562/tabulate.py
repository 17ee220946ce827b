#!/usr/bin/env python3
"""curves.md for run.sh: every anchors run's PearsonΔ by number observed (standard library only).

  tabulate.py OUT RUN...   reads OUT/RUN/rounds.csv and run.json, writes OUT/curves.md

Per run, strategy and number observed: PearsonΔ of the run's predictor on what the run scored
(its fixed test set, or every knockdown not yet picked), mean over seeds, and the training mean
fitted on the same picks. Then `anchors` against random and against the best centrality
heuristic at each budget, paired by seed: the absolute difference (PearsonΔ is bounded, so the
difference is the effect), the relative one (the issue's acceptance is stated in per cent),
seeds on which anchors was lower, and the exact two-sided sign-flip p over seeds.
"""
import csv
import itertools
import json
import pathlib
import statistics
import sys

CENTRALITY = ["degree", "pagerank", "betweenness", "eigenvector", "closeness"]


def load(path):
    """{(predictor, strategy, n_observed): {seed: pearson_delta}}."""
    values = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            if r["metric"] == "pearson_delta":
                key = (r["predictor"], r["strategy"], int(r["n_observed"]))
                values.setdefault(key, {})[int(r["seed"])] = float(r["value"])
    return values


def sign_flip_p(d):
    """Exact two-sided p of the mean difference under random sign flips (all 2^n patterns)."""
    observed = abs(sum(d))
    hits = sum(abs(sum(s * x for s, x in zip(signs, d))) >= observed - 1e-12
               for signs in itertools.product((1, -1), repeat=len(d)))
    return hits / 2 ** len(d)


def run_tables(out, run):
    v = load(out / run / "rounds.csv")
    predictor = json.loads((out / run / "run.json").read_text())["predictor"]
    strategies = list(dict.fromkeys(s for p, s, _ in v if p == predictor))
    sizes = sorted({n for _, _, n in v})
    mean = lambda p, s, n: statistics.fmean(v[(p, s, n)].values())  # noqa: E731
    lines = ["| strategy | " + " | ".join(f"{n}" for n in sizes) + f" | training mean at {sizes[-1]} |",
             "|---|" + "---|" * (len(sizes) + 1)]
    for s in strategies:
        label = "oracle (upper bound)" if s == "oracle" else s
        cells = [f"{mean(predictor, s, n):.3f}" for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {mean('mean', s, sizes[-1]):.3f} |")
    head = ["| observed | anchors | random | best centrality | anchors − random (rel., seeds lower, p) "
            "| anchors − centrality (rel., seeds lower, p) |",
            "|---|---|---|---|---|---|"]
    centralities = [s for s in CENTRALITY if s in strategies]
    for n in sizes:
        def paired(a, b):
            x, y = v[(predictor, a, n)], v[(predictor, b, n)]
            d = [x[k] - y[k] for k in sorted(x)]
            rel = 100 * statistics.fmean(d) / statistics.fmean(y.values())
            return (f"{statistics.fmean(d):+.3f} ({rel:+.1f} %, {sum(e < 0 for e in d)}/{len(d)}, "
                    f"p = {sign_flip_p(d):.3f})")
        cells = [f"{n}", f"{mean(predictor, 'anchors', n):.3f}", f"{mean(predictor, 'random', n):.3f}"]
        if centralities:
            c = max(centralities, key=lambda s: mean(predictor, s, n))
            cells += [f"{c} {mean(predictor, c, n):.3f}", paired("anchors", "random"), paired("anchors", c)]
        else:
            cells += ["–", paired("anchors", "random"), "–"]
        head.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), "\n".join(head)


def protocol(out, run):
    """The run's predictor, seeds and what it was scored on, from its run.json."""
    meta = json.loads((out / run / "run.json").read_text())
    scored = meta.get("scored_on", "the perturbations not yet picked")
    return f"predictor `{meta['predictor']}`, {len(meta['seeds'])} seeds, scored on {scored}"


def main():
    out = pathlib.Path(sys.argv[1])
    parts = ["# Anchors on real K562 (experiments/anchors_k562/run.sh)\n",
             "PearsonΔ of each run's predictor after each round, mean over seeds; nothing observed "
             "at the start; columns = knockdowns observed. Differences are paired by seed; p is the "
             "exact two-sided sign-flip test over seeds. CIs, AULC and paired Wilcoxon p for the "
             "final round are in each run's summary.md.\n"]
    for run in sys.argv[2:]:
        if not (out / run / "rounds.csv").exists():
            continue
        table, head = run_tables(out, run)
        parts += [f"## {run} ([summary.md]({run}/summary.md))\n", protocol(out, run) + "\n", table + "\n",
                  head + "\n"]
    (out / "curves.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main()
