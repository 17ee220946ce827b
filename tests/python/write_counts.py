"""Writes raw-count single cells as AnnData (CSR), and the pseudo-bulk means scanpy's
normalize_total(target_sum=1e4) + log1p would give, computed here with numpy, for the
`--normalize` test in tests/formats.rs.

Usage: python write_counts.py OUT_DIR  ->  OUT_DIR/counts.h5ad, OUT_DIR/expected.csv
"""

import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = Path(sys.argv[1])
rng = np.random.default_rng(3)
genes = [f"g{i}" for i in range(12)]
labels = ["non-targeting"] * 6 + ["A"] * 4 + ["B"] * 5
x = rng.poisson(lam=rng.uniform(0.5, 60, len(genes)), size=(len(labels), len(genes))).astype(np.float32)
x[:, 0] += 40  # a highly expressed gene: counts far above any log-normalised value
a = ad.AnnData(X=sp.csr_matrix(x), obs=pd.DataFrame({"perturbation": labels}, index=[f"c{i}" for i in range(len(labels))]))
a.var_names = genes
a.write_h5ad(out / "counts.h5ad")
z = np.log1p(x / x.sum(axis=1, keepdims=True) * 1e4)
with open(out / "expected.csv", "w") as f:
    f.write("perturbation," + ",".join(genes) + "\n")
    for name in ["non-targeting", "A", "B"]:
        rows = z[[l == name for l in labels]]
        f.write(name + "," + ",".join(repr(float(v)) for v in rows.mean(axis=0)) + "\n")
