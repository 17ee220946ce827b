#!/usr/bin/env python3
"""Tables from the evaluate runs of run.sh (standard library only), with the K562 table code.

Reads OUT/n<N>/<panel>/metrics.csv and writes OUT/summary.md: pearson_delta, pearson_delta_de20
and n_fallback as the mean over the draws ± 1.96 standard errors, per predictor.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "fewshot_k562"))
from tabulate import ROWS as K562_ROWS, table, load  # noqa: E402

# the K562 rows: no GO panel (no edge in this pool), the bundled TF panel in place of the TF-only one
ROWS = [("bundled", pred, label.replace("TF-only panel", "bundled TF panel (CollecTRI, DoRothEA, OmniPath)"))
        if panel == "tf" else (panel, pred, label)
        for panel, pred, label in K562_ROWS if panel != "go"]


def main():
    out = pathlib.Path(sys.argv[1])
    sizes, values = load(out, panels=["dense", "bundled", "string"])
    draws = len(values[(sizes[0], "dense", "mean", "pearson_delta")])
    sections = "\n\n".join(f"## {title}\n\n{table(sizes, values, metric, rows=ROWS)}" for metric, title in [
        ("pearson_delta", "pearson_delta ↑"),
        ("pearson_delta_de20", "pearson_delta_de20 ↑ (top-20 DE genes of each perturbation)"),
        ("n_fallback", "held-out knockouts answered with the mean for lack of an observed neighbour (n_fallback)"),
    ])
    text = f"""# Few-shot prediction on the Renge iPSC screen (experiments/fewshot_renge/run.sh)

- data: `experiments/data/embedded/renge_ipsc.h5ad` (Ishikawa et al. 2023: 23 CRISPR knockouts in
  human iPSCs, 103 measured genes, 14,945 cells aggregated to pseudo-bulk; response = knockout mean
  − control mean of log1p counts)
- small: N = {", ".join(map(str, sizes))} observed knockouts per draw, the other {23 - sizes[0]} predicted;
  {draws} draws, seed 1, the same draws for every predictor. With 13 held-out rows per draw the
  spread between draws is wide; read the ± column before any ranking
- knowledge: offline knowledge agents only (no LLM), consensus with τ 1 and sum-over-agents
  weights over the 23-gene pool (bundled TF panel: 31 edges on 12 targets; dense panel: 65 edges
  on 17; STRING alone: 36 on 12; GO alone: 0 edges, so no GO row); STRING v12 graph for graph
  kNN, ridge and stack. Panels and predictors are the K562 ones, unchanged (nothing tuned here)
- metric: PearsonΔ (`pearson_delta`); cells are the mean over draws ± 1.96 standard errors;
  per-run tables with bootstrap CIs and paired Wilcoxon p against the mean in `n<N>/<panel>/summary.md`

{sections}
"""
    (out / "summary.md").write_text(text)


if __name__ == "__main__":
    main()
