"""Small AnnData fixtures for mechpert's h5ad reader, and the numbers it must reproduce.

Run through make_h5ad_fixtures.sh (pinned anndata/numpy/scipy/h5py in a throwaway venv).
Writes OUT/*.h5ad and OUT/expected.json. Every good fixture is described in expected.json by
what numpy computes from the very matrix written: per-perturbation mean profiles, the control
profile, cells per perturbation, and the mean |profile - control| over perturbations x genes.
"""

import json
import sys
from pathlib import Path

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/h5ad")
OUT.mkdir(parents=True, exist_ok=True)
GENES = ["TP53", "MYC", "GATA1", "TAL1", "KLF1", "SPI1"]
PERTS = ["MYC", "GATA1", "KLF1"]
CONTROL = "non-targeting"
rng = np.random.default_rng(20240601)
expected = {}


def cells(labels_per_group, n_per_group=6):
    """log1p counts for cells of each label, with a label-specific shift so means differ."""
    labels, rows = [], []
    for k, lab in enumerate(labels_per_group):
        lam = np.full(len(GENES), 2.0)
        lam[k % len(GENES)] += 3.0
        counts = rng.poisson(lam, size=(n_per_group + k, len(GENES)))
        rows.append(np.log1p(counts))
        labels += [lab] * (n_per_group + k)
    return labels, np.vstack(rows)


def describe(name, labels, x, control_labels, kind="expression", names=None):
    """Expected reading: group means by (normalised) label, control averaged."""
    x = np.asarray(x, dtype=np.float64)
    names = names or {}
    labels = np.asarray(labels)
    ctrl = np.isin(labels, control_labels)
    control = x[ctrl].mean(axis=0)
    profiles, cells_per = {}, {}
    for lab in dict.fromkeys(labels[~ctrl]):
        sel = labels == lab
        key = names.get(lab, lab)
        profiles[key] = x[sel].mean(axis=0).tolist()
        cells_per[key] = int(sel.sum())
    resp = np.array([np.array(p) - control for p in profiles.values()])
    expected[name] = {
        "perturbations": len(profiles),
        "genes": x.shape[1],
        "cells": int(len(labels)),
        "control_cells": int(ctrl.sum()),
        "control": True,
        "value_kind": kind,
        "profiles": profiles,
        "control_profile": control.tolist(),
        "cells_per_perturbation": cells_per,
        "mean_abs_response": float(np.abs(resp).mean()),
    }


def obs_frame(**cols):
    n = len(next(iter(cols.values())))
    df = pd.DataFrame(cols, index=[f"cell{i}" for i in range(n)])
    return df


def write(name, adata, **kw):
    adata.write_h5ad(OUT / name, **kw)


# Single cells: dense float32, CSR float32, CSR float64 gzip, CSC float64.
labels, x = cells([CONTROL] + PERTS)
obs = obs_frame(perturbation=pd.Categorical(labels))
var = pd.DataFrame(index=GENES)
x32 = x.astype(np.float32)
write("sc_dense_f32.h5ad", ad.AnnData(X=x32, obs=obs, var=var))
describe("sc_dense_f32.h5ad", labels, x32, [CONTROL])
write("sc_csr_f32.h5ad", ad.AnnData(X=sp.csr_matrix(x32), obs=obs, var=var))
describe("sc_csr_f32.h5ad", labels, x32, [CONTROL])
write("sc_csr_f64_gzip.h5ad", ad.AnnData(X=sp.csr_matrix(x), obs=obs, var=var), compression="gzip")
describe("sc_csr_f64_gzip.h5ad", labels, x, [CONTROL])
write("sc_csc_f64.h5ad", ad.AnnData(X=sp.csc_matrix(x), obs=obs, var=var))
describe("sc_csc_f64.h5ad", labels, x, [CONTROL])

# GEARS naming: obs `condition` with `A+ctrl`, `ctrl`, and a combination `A+B`; var index is
# an id, the symbols sit in var `gene_name`.
g_labels, gx = cells(["ctrl", "MYC+ctrl", "GATA1+ctrl", "GATA1+KLF1"])
gx = gx.astype(np.float32)
gvar = pd.DataFrame({"gene_name": GENES}, index=[f"g{i}" for i in range(len(GENES))])
write("gears.h5ad", ad.AnnData(X=sp.csr_matrix(gx), obs=obs_frame(condition=pd.Categorical(g_labels)), var=gvar))
describe("gears.h5ad", g_labels, gx, ["ctrl"],
         names={"MYC+ctrl": "MYC", "GATA1+ctrl": "GATA1", "GATA1+KLF1": "GATA1+KLF1"})

# Replogle 2022 normalised bulk: one row per perturbation, z-scores, no control row; obs index
# {id}_{GENE}_{guide}_{ENSG}, obs gene / gene_id; var index Ensembl ids, var gene_name.
ENSG = {"MYC": "ENSG00000136997", "GATA1": "ENSG00000102145", "KLF1": "ENSG00000105610",
        "TP53": "ENSG00000141510", "TAL1": "ENSG00000162367", "SPI1": "ENSG00000066336"}
z = rng.normal(0, 1, size=(len(PERTS), len(GENES))).astype(np.float32)
robs = pd.DataFrame(
    {"gene": pd.Categorical(PERTS), "gene_id": pd.Categorical([ENSG[p] for p in PERTS])},
    index=[f"{i + 1}_{p}_P1P2_{ENSG[p]}" for i, p in enumerate(PERTS)],
)
rvar = pd.DataFrame({"gene_name": GENES}, index=[ENSG[g] for g in GENES])
write("replogle_bulk.h5ad", ad.AnnData(X=z, obs=robs, var=rvar))
expected["replogle_bulk.h5ad"] = {
    "perturbations": len(PERTS), "genes": len(GENES), "cells": None, "control_cells": None,
    "control": False, "value_kind": "z-score",
    "profiles": {p: z[i].astype(np.float64).tolist() for i, p in enumerate(PERTS)},
    "control_profile": [0.0] * len(GENES),
    "cells_per_perturbation": None,
    "mean_abs_response": float(np.abs(z.astype(np.float64)).mean()),
}

# Pseudo-bulk expression with a control row, labels as a plain string column.
b = rng.uniform(0, 3, size=(len(PERTS) + 1, len(GENES))).astype(np.float32)
b_labels = PERTS + [CONTROL]
write("bulk_expression.h5ad", ad.AnnData(
    X=b, obs=pd.DataFrame({"perturbation": np.array(b_labels, dtype=object)}, index=b_labels), var=var))
describe("bulk_expression.h5ad", b_labels, b, [CONTROL])
expected["bulk_expression.h5ad"].update(cells=None, control_cells=None, cells_per_perturbation=None)

# anndata < 0.8 layout, written by hand: CSR marked by h5sparse_format, categories kept in
# obs/__categories, index dataset named by the `_index` attribute.
l_labels, lx = cells([CONTROL, "MYC"], n_per_group=4)
lx = lx.astype(np.float32)
csr = sp.csr_matrix(lx)
cats = sorted(set(l_labels))
with h5py.File(OUT / "legacy_csr.h5ad", "w") as f:
    X = f.create_group("X")
    X.attrs["h5sparse_format"] = "csr"
    X.attrs["h5sparse_shape"] = np.array(lx.shape)
    X["data"], X["indices"], X["indptr"] = csr.data, csr.indices, csr.indptr
    o = f.create_group("obs")
    o.attrs["_index"] = "index"
    o["index"] = np.array([f"c{i}" for i in range(len(l_labels))], dtype="S")
    o["perturbation"] = np.array([cats.index(v) for v in l_labels], dtype=np.int8)
    o.create_group("__categories")["perturbation"] = np.array(cats, dtype="S")
    v = f.create_group("var")
    v.attrs["_index"] = "index"
    v["index"] = np.array(GENES, dtype="S")
describe("legacy_csr.h5ad", l_labels, lx, [CONTROL])

# Bad files.
write("bad_no_x.h5ad", ad.AnnData(X=x32, obs=obs, var=var))
with h5py.File(OUT / "bad_no_x.h5ad", "a") as f:
    del f["X"]
write("bad_no_perturbation_column.h5ad",
      ad.AnnData(X=x32, obs=obs_frame(guide=pd.Categorical(labels), batch=pd.Categorical(["b1"] * len(labels))), var=var))
p_only = np.array(labels) != CONTROL
write("bad_no_control.h5ad", ad.AnnData(
    X=x32[p_only], obs=obs_frame(perturbation=pd.Categorical(np.array(labels)[p_only])), var=var))
nan = x32.copy()
nan[7, 2] = np.nan
write("bad_nan.h5ad", ad.AnnData(X=nan, obs=obs, var=var))
write("bad_duplicate_bulk.h5ad", ad.AnnData(
    X=b, obs=pd.DataFrame({"perturbation": ["MYC", "GATA1", "MYC", CONTROL]}, index=["r0", "r1", "r2", "r3"]), var=var))

# Files written by mechpert (make_h5ad_fixtures.sh runs the examples first): what anndata reads.
for name, bulk in [("mechpert_cells.h5ad", False), ("mechpert_pseudobulk.h5ad", True)]:
    if not (OUT / name).exists():
        sys.exit(f"{OUT / name} is missing: run make_h5ad_fixtures.sh, which writes it first")
    a = ad.read_h5ad(OUT / name)
    m = a.X.toarray() if sp.issparse(a.X) else np.asarray(a.X)
    describe(name, list(a.obs["perturbation"].astype(str)), m, [CONTROL])
    if bulk:
        expected[name].update(cells=None, control_cells=None, cells_per_perturbation=None)

(OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
print(f"wrote {len(list(OUT.glob('*.h5ad')))} fixtures and expected.json to {OUT}")
