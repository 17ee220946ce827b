"""Reads `mechpert evaluate --predictions` output back with anndata and checks it against an
independent computation from the screen CSV and the split file (run by tests/userworld.rs).

Usage: python read_predictions.py SCREEN.csv SPLIT.csv PRED_DIR
The `mean` predictor must be the mean of the draw's train rows; `real.h5ad` the test rows;
every file has obs column `perturbation`, var = the screen's genes and a `non-targeting` row.
Prints `ok <files checked>`.
"""

import csv
import sys
from pathlib import Path

import anndata as ad
import numpy as np

screen_path, split_path, pred_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
with open(screen_path) as f:
    rows = list(csv.reader(f))
genes = rows[0][1:]
profiles = {r[0]: np.array([float(v) for v in r[1:]]) for r in rows[1:]}
control = profiles.pop("non-targeting")
splits = {}
with open(split_path) as f:
    for r in csv.DictReader(f):
        splits.setdefault(int(r["draw"]), {"train": [], "test": []})[r["split"]].append(r["perturbation"])

checked = 0
for draw, s in splits.items():
    train_mean = np.mean([profiles[p] for p in s["train"]], axis=0)
    for name in sorted(p.name for p in (pred_dir / f"draw{draw}").iterdir()):
        a = ad.read_h5ad(pred_dir / f"draw{draw}" / name)
        labels = list(a.obs["perturbation"])
        assert labels == s["test"] + ["non-targeting"], (name, labels)
        assert list(a.var_names) == genes, (name, list(a.var_names))
        assert a.X.dtype == np.float32 and a.X.shape == (len(labels), len(genes))
        np.testing.assert_allclose(a.X[-1], control, atol=1e-5)
        if name == "mean.h5ad":
            for row in a.X[:-1]:
                np.testing.assert_allclose(row, train_mean, atol=1e-5)
        if name == "real.h5ad":
            for p, row in zip(labels[:-1], a.X[:-1]):
                np.testing.assert_allclose(row, profiles[p], atol=1e-5)
        assert np.isfinite(a.X).all()
        checked += 1
print(f"ok {checked}")
