#!/usr/bin/env python3
"""Tables and a learning-curve figure from the evaluate runs of run.sh (standard library only).

Reads OUT/n<N>/<panel>/metrics.csv (draw, predictor, metric, value) and writes OUT/summary.md
(pearson_delta and pearson_delta_de20: mean over the 10 draws ± 1.96 standard errors, per
predictor and N) and OUT/curve.svg (pearson_delta against N).
"""
import csv
import math
import pathlib
import statistics
import sys

PANEL_LABEL = {"dense": "dense panel", "tf": "TF-only panel", "string": "STRING only", "go": "GO only",
               "text": "gene summaries", "shuffled": "shuffled summaries (control)",
               "dense_text": "dense panel + text agent"}
STACK_TEXT = "stack + text (LOO weights: mean, dense consensus, STRING kNN, ridge, text kNN)"
# (panel folder, predictor in that run, row label)
ROWS = [
    ("dense", "mean", "training mean (baseline)"),
    ("string", "similarity", "similarity kNN, STRING only"),
    ("string", "similarity:shrunk", "similarity kNN, STRING only :shrunk"),
    ("go", "similarity", "similarity kNN, GO only"),
    ("go", "similarity:shrunk", "similarity kNN, GO only :shrunk"),
    ("tf", "consensus", "consensus kNN, TF-only panel"),
    ("tf", "consensus:shrunk", "consensus kNN, TF-only panel :shrunk"),
    ("dense", "consensus", "consensus kNN, dense panel"),
    ("dense", "consensus:shrunk", "consensus kNN, dense panel :shrunk"),
    ("dense", "similarity", "similarity kNN, dense panel (unweighted)"),
    ("dense", "similarity:shrunk", "similarity kNN, dense panel :shrunk"),
    ("dense", "graph", "STRING-weighted kNN"),
    ("dense", "graph:shrunk", "STRING-weighted kNN :shrunk"),
    ("dense", "ridge", "ridge (STRING embedding)"),
    ("dense", "ridge:shrunk", "ridge :shrunk"),
    ("dense", "stack", "stack (LOO weights: mean, dense consensus, STRING kNN, ridge)"),
    ("text", "text", "text kNN (TF-IDF cosine of gene summaries, k = 20)"),
    ("text", "text:shrunk", "text kNN :shrunk"),
    ("dense_text", "consensus", "consensus kNN, dense panel + text agent"),
    ("dense_text", "consensus:shrunk", "consensus kNN, dense panel + text agent :shrunk"),
    ("text", "stack", STACK_TEXT),
    ("shuffled", "text", "control: text kNN, shuffled summaries"),
    ("shuffled", "text:shrunk", "control: text kNN, shuffled summaries :shrunk"),
    ("shuffled", "stack", "control: stack + text, shuffled summaries"),
]
CURVE = ["training mean (baseline)", "similarity kNN, STRING only", "similarity kNN, GO only",
         "consensus kNN, TF-only panel", "consensus kNN, dense panel :shrunk",
         "ridge :shrunk", "stack (LOO weights: mean, dense consensus, STRING kNN, ridge)",
         "text kNN (TF-IDF cosine of gene summaries, k = 20)", STACK_TEXT,
         "control: text kNN, shuffled summaries"]
COLOURS = ["#777777", "#1f77b4", "#17becf", "#bcbd22", "#d62728", "#2ca02c", "#9467bd",
           "#ff7f0e", "#8c564b", "#e377c2"]


def load(out, panels=PANEL_LABEL):
    values = {}  # (n, panel, predictor, metric) -> [per-draw values]
    sizes = sorted(int(p.name[1:]) for p in out.glob("n*") if p.name[1:].isdigit())
    for n in sizes:
        for panel in panels:
            path = out / f"n{n}" / panel / "metrics.csv"
            if not path.exists():
                continue
            with path.open() as f:
                for r in csv.DictReader(f):
                    key = (n, panel, r["predictor"], r["metric"])
                    values.setdefault(key, []).append(float(r["value"]))
    return sizes, values


def cell(v):
    if not v:
        return "–"
    m = statistics.fmean(v)
    se = statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    return f"{m:.3f} ± {1.96 * se:.3f}"


def table(sizes, values, metric, rows=ROWS):
    lines = ["| predictor | " + " | ".join(f"N = {n}" for n in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for panel, pred, label in rows:
        cells = [cell(values.get((n, panel, pred, metric), [])) for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def weights(sizes, values, panel="dense", members=("w_mean", "w_consensus", "w_graph", "w_ridge")):
    lines = ["| stack weight | " + " | ".join(f"N = {n}" for n in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for w in members:
        cells = [cell(values.get((n, panel, "stack", w), [])) for n in sizes]
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def svg(sizes, values, path):
    w, h, left, right, top, bottom = 720, 420, 60, 250, 20, 50
    series = []
    for label in CURVE:
        panel, pred = next((p, q) for p, q, l in ROWS if l == label)
        pts = [(n, statistics.fmean(values[(n, panel, pred, "pearson_delta")]))
               for n in sizes if (n, panel, pred, "pearson_delta") in values]
        series.append((label, pts))
    ys = [y for _, pts in series for _, y in pts]
    lo, hi = math.floor(min(ys) * 50) / 50, math.ceil(max(ys) * 50) / 50
    lx = [math.log(n) for n in sizes]
    def px(n):
        return left + (math.log(n) - lx[0]) / (lx[-1] - lx[0]) * (w - left - right)
    def py(y):
        return top + (hi - y) / (hi - lo) * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    y = lo
    while y <= hi + 1e-9:
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>')
        y += 0.02
    for n in sizes:
        out.append(f'<text x="{px(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 10}" text-anchor="middle">observed perturbations N (log scale)</text>')
    out.append(f'<text x="14" y="{(top + h - bottom) / 2}" transform="rotate(-90 14 {(top + h - bottom) / 2})" text-anchor="middle">PearsonΔ (mean of 10 draws)</text>')
    series = [(label, pts) for label, pts in series if pts]
    for (label, pts), colour in zip(series, COLOURS):
        d = " ".join(f"{px(n):.1f},{py(y):.1f}" for n, y in pts)
        out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for n, y in pts:
            out.append(f'<circle cx="{px(n):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
    for i, ((label, _), colour) in enumerate(zip(series, COLOURS)):
        yy = top + 10 + 18 * i
        short = (label.replace(" (LOO weights: mean, dense consensus, STRING kNN, ridge)", " (LOO)")
                 .replace(" (LOO weights: mean, dense consensus, STRING kNN, ridge, text kNN)", " (LOO)")
                 .replace(" (TF-IDF cosine of gene summaries, k = 20)", ""))
        out.append(f'<line x1="{w - right + 10}" x2="{w - right + 30}" y1="{yy}" y2="{yy}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{w - right + 35}" y="{yy + 4}">{short}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def main():
    out = pathlib.Path(sys.argv[1])
    sizes, values = load(out)
    text = f"""# Few-shot prediction on real K562 (experiments/fewshot_k562/run.sh)

- data: `../shared/data/perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz`
  (585 CRISPRi knockdowns × 7,225 genes; value = rank score 1 − (rank − 1)/1000 of the top-1000
  up-regulated genes, 0 elsewhere: a ranked signature, not expression)
- N observed perturbations drawn uniformly, the other 585 − N predicted; 10 draws, seed 1; every
  predictor sees the same draws at a given N
- knowledge: offline knowledge agents only (no LLM), consensus with τ 1 and sum-over-agents
  weights; STRING v12 graph for graph kNN, ridge and stack
- metric: PearsonΔ (`pearson_delta`, Pearson r of predicted vs measured response over all genes,
  per held-out perturbation, averaged); cells are the mean over 10 draws ± 1.96 standard errors
- baseline: the training mean; per-run tables with bootstrap CIs, paired Wilcoxon p against the
  mean and every other metric are in `n<N>/<panel>/summary.md`
- `:shrunk` = α·pred + (1 − α)·mean, α (and the kNN weight power) by leave-one-out on the
  observed rows; `stack` = convex combination with weights by leave-one-out on the observed rows
  (see src/predict/stack.rs). Neither sees held-out rows. `stack` was added and reported once;
  its member set was fixed before the held-out numbers below were seen.
- gene summaries (`../shared/data/knowledge/gene_summaries_ncbi_uniprot.json`, NCBI Gene +
  UniProt texts of 1,915 genes; 570 of the 585 knockdowns have one): `text` = similarity-weighted
  mean of the 20 observed perturbations whose summaries have the highest TF-IDF cosine (sublinear
  tf, word unigrams + bigrams, English stop words and the gene's own symbol removed); `stack +
  text` = the stack above with the text kNN as a fifth member, weights by leave-one-out as
  before; control = the same runs with every summary moved to a random other gene (one fixed
  permutation, seed 1). k = 20 and the members were fixed before any held-out number was seen.
  This is text similarity of curated descriptions, not an LLM proposing directed regulators.

## pearson_delta ↑

{table(sizes, values, "pearson_delta")}

## pearson_delta_de20 ↑ (top-20 DE genes of each perturbation)

{table(sizes, values, "pearson_delta_de20")}

## queries answered with the mean for lack of an observed neighbour (n_fallback)

{table(sizes, values, "n_fallback")}

## stack weights chosen by leave-one-out (mean over draws)

{weights(sizes, values)}

### stack + text

{weights(sizes, values, "text", ("w_mean", "w_consensus", "w_graph", "w_ridge", "w_text"))}

### control: stack + text, shuffled summaries

{weights(sizes, values, "shuffled", ("w_mean", "w_consensus", "w_graph", "w_ridge", "w_text"))}

![PearsonΔ learning curve](curve.svg)
"""
    if len(sizes) > 1:  # a curve needs two sizes
        svg(sizes, values, out / "curve.svg")
    else:
        text = text.replace("![PearsonΔ learning curve](curve.svg)\n", "")
    (out / "summary.md").write_text(text)


if __name__ == "__main__":
    main()
