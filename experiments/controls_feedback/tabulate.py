#!/usr/bin/env python3
"""summary.md for run.sh (standard library only).

  tabulate.py OUT SETTING...   reads OUT/<SETTING>_{true,permuted,permuted-to-strategy}/rounds.csv

Per setting, strategy and round: PearsonΔ of the run's predictor (consensus:shrunk) on every
unobserved perturbation, mean over seeds ± 1.96 standard errors, with true feedback, with
feedback permuted for strategy and predictor, and permuted for the strategy only; the paired
differences from true with how many seeds fell; and each strategy's gain over random.
"""
import csv
import math
import pathlib
import statistics
import sys

PREDICTOR, METRIC = "consensus:shrunk", "pearson_delta"
LABEL = {
    "k562": "real K562 (585 knockdowns × 7,225 genes, rank scores), dense knowledge panel, diversity on CollecTRI",
    "sim": "simulated `sparse-noisy` (600 × 5,000, seed 1), three noisy-truth agents (recall 0.6, fpr 0.005), diversity on CollecTRI",
}


def load(path):
    """{(strategy, n_observed): {seed: value}} for the predictor and metric."""
    values = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            if r["predictor"] == PREDICTOR and r["metric"] == METRIC and r["round"] != "0":
                key = (r["strategy"], int(r["n_observed"]))
                values.setdefault(key, {})[int(r["seed"])] = float(r["value"])
    return values


def cell(v):
    m = statistics.fmean(v)
    se = statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    return f"{m:.3f} ± {1.96 * se:.3f}"


def diff(a, b):
    """a − b over shared seeds: mean ± 1.96 SE, and in how many seeds a < b."""
    seeds = sorted(a)
    d = [a[s] - b[s] for s in seeds]
    return f"{cell(d)} ({sum(x < 0 for x in d)}/{len(d)} lower)"


def table(out, setting):
    true = load(out / f"{setting}_true" / "rounds.csv")
    perm = load(out / f"{setting}_permuted" / "rounds.csv")
    strat = load(out / f"{setting}_permuted-to-strategy" / "rounds.csv")
    strategies = list(dict.fromkeys(s for s, _ in true))
    sizes = sorted({n for _, n in true})
    lines = [
        "| strategy | observed | true feedback | permuted (both) | permuted − true | "
        "permuted to strategy only | strategy-only − true | vs random, true | "
        "vs random, strategy-only |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in strategies:
        for n in sizes:
            t, p, q = true[(s, n)], perm[(s, n)], strat[(s, n)]
            rt, rq = true[("random", n)], strat[("random", n)]
            vs = (lambda a, r: "–" if s == "random" else diff(a, r).replace(" lower)", " below random)"))
            lines.append(
                f"| {s} | {n} | {cell(list(t.values()))} | {cell(list(p.values()))} | "
                f"{diff(p, t)} | {cell(list(q.values()))} | {diff(q, t)} | {vs(t, rt)} | {vs(q, rq)} |"
            )
    return "\n".join(lines)


def main():
    out = pathlib.Path(sys.argv[1])
    parts = [
        "# Permuted-feedback control (experiments/controls_feedback/run.sh)\n",
        "Each setting ran three times from the same settings file: with true feedback; with "
        "`--feedback permuted`, where the strategy and the scored predictor are both shown, for every revealed pick, the measured response of another revealed "
        "pick (the next one along a cycle through the pool drawn once per seed; the responses shown "
        "are the revealed ones, reassigned, so the training mean is unchanged and no held-out response "
        "is shown), while predictions are still scored against the true responses. Strategies "
        "uncertainty (bootstrap variance of the predictor) and hybrid (coverage × uncertainty), "
        "which read the fitted model, and random and diversity (farthest in CollecTRI hops from the "
        "measured set), which read no response; nothing observed, then rounds of 10, "
        "15, 25, 50 picks; 5 seeds (1–5), the same per seed in both runs; predictor "
        f"`{PREDICTOR}` refitted every round; metric {METRIC} on every unobserved perturbation, mean "
        "over seeds ± 1.96 standard errors; differences paired by seed. Round 1's picks are the "
        "same under both feedbacks (nothing has been shown yet); its scores already differ "
        "because the predictor is fitted on the permuted rows. Random and diversity pick the "
        "same genes in every round of both runs, so their rows measure what permuted training "
        "rows alone cost the predictor; a strategy's own use of feedback shows in its gain over "
        "random. `--feedback permuted-to-strategy` shows the reassigned responses to the "
        "strategy and the model it reads only, while the scored predictor trains on the true "
        "ones: random and diversity then give exactly the true run's numbers, and what is left "
        "of a model-based strategy's difference from the true run is what it takes from "
        "feedback.\n",
    ]
    for setting in sys.argv[2:]:
        parts.append(f"## {setting}: {LABEL.get(setting, setting)}\n")
        parts.append(f"Runs: [{setting}_true]({setting}_true/summary.md), "
                     f"[{setting}_permuted]({setting}_permuted/summary.md), "
                     f"[{setting}_permuted-to-strategy]({setting}_permuted-to-strategy/summary.md).\n")
        parts.append(table(out, setting) + "\n")
    (out / "summary.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main()
