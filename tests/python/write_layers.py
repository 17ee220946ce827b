"""Writes single cells as AnnData the way a scanpy user keeps them: X = log1p of counts per 10⁴
(normalize_total + log1p, computed here with numpy), layers['counts'] = the raw integer counts
(CSR, as anndata writes a sparse layer), layers['log1p_dense'] and layers['log1p_csc'] = X again, dense and CSC. Also writes
what numpy says about each matrix, for the `--layer` tests in tests/layers.rs.

Usage: python write_layers.py OUT_DIR  ->  OUT_DIR/layers.h5ad, OUT_DIR/layers.json
"""

import json
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

out = Path(sys.argv[1])
rng = np.random.default_rng(11)
genes = [f"g{i}" for i in range(10)]
labels = ["non-targeting"] * 7 + ["A"] * 5 + ["B"] * 6
counts = rng.poisson(lam=rng.uniform(0.2, 50, len(genes)), size=(len(labels), len(genes))).astype(np.float32)
counts[:, 0] += 35  # highly expressed: counts far above any log-normalised value
x = np.log1p(counts / counts.sum(axis=1, keepdims=True) * 1e4).astype(np.float32)
a = ad.AnnData(
    X=sp.csr_matrix(x),
    obs=pd.DataFrame({"perturbation": labels}, index=[f"c{i}" for i in range(len(labels))]),
)
a.var_names = genes
a.layers["counts"] = sp.csr_matrix(counts)
a.layers["log1p_dense"] = x.copy()
a.layers["log1p_csc"] = sp.csc_matrix(x)
a.write_h5ad(out / "layers.h5ad")


def describe(m):
    return {
        "min": float(m.min()),
        "max": float(m.max()),
        "whole_numbers": bool((m == np.round(m)).all()),
        "zero_fraction": float((m == 0).mean()),
    }


json.dump({"X": describe(x), "counts": describe(counts)}, open(out / "layers.json", "w"))
