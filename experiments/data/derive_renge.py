"""Derive mechpert's embedded default dataset, experiments/data/embedded/renge_ipsc.h5ad.

Source  : PyPI sdist renge==0.0.5 (sha256 3472ce015cf5eb32e22e474da6e1ceafb18023451ae43614c6f026cf48bf91df),
          files examples/data/E_renge_d2_80.csv (expression: log1p of UMI counts, cells x 103
          genes, first column the cell barcode) and examples/data/X_renge_d2_80.csv (the same
          cells: one-hot knockout columns over the same 103 genes, 23 of them used, and `t`, the
          day). Ishikawa et al. 2023, "Renge infers gene regulatory networks using time-series
          single-cell RNA-seq data with CRISPR perturbations", Commun Biol 6:1290.
Licence : MIT (Copyright (c) 2022 masastat), the sdist's LICENSE file.
Output  : single-cell AnnData: X float32 CSR, gzip; obs `perturbation` (the knocked-out gene's
          symbol, `non-targeting` for all-zero rows) and `day` (2-5), both categorical; obs index
          the barcodes; var index the 103 gene symbols. 14,945 cells, 23 perturbations.
          Written with h5py directly (track_times off, fixed chunking), so the bytes are the same
          on every run with the pinned h5py.
Usage   : python derive_renge.py SDIST.tar.gz OUT.h5ad  (run through derive_renge.sh)
"""

import csv
import hashlib
import io
import sys
import tarfile

import h5py
import numpy as np

SHA256 = "3472ce015cf5eb32e22e474da6e1ceafb18023451ae43614c6f026cf48bf91df"
PREFIX = "renge-0.0.5/examples/data/"
CONTROL = "non-targeting"


def read_csv(tar, name):
    text = tar.extractfile(PREFIX + name).read().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0][1:], rows[1:]
    barcodes = [r[0] for r in body]
    values = np.array([[float(v) for v in r[1:]] for r in body])
    return header, barcodes, values


def vlen(group, name, values, **kw):
    ds = group.create_dataset(name, data=np.array(values, dtype=object),
                              dtype=h5py.string_dtype("utf-8"), track_times=False, **kw)
    ds.attrs["encoding-type"] = "string-array"
    ds.attrs["encoding-version"] = "0.2.0"
    return ds


def array(group, name, data, **kw):
    ds = group.create_dataset(name, data=data, track_times=False, **kw)
    ds.attrs["encoding-type"] = "array"
    ds.attrs["encoding-version"] = "0.2.0"
    return ds


def categorical(obs, name, values):
    categories = sorted(set(values))
    code = {c: i for i, c in enumerate(categories)}
    g = obs.create_group(name, track_order=False)
    g.attrs["encoding-type"] = "categorical"
    g.attrs["encoding-version"] = "0.2.0"
    g.attrs["ordered"] = False
    codes = np.array([code[v] for v in values], dtype=np.int8)
    array(g, "codes", codes, compression="gzip", compression_opts=9)
    if isinstance(categories[0], str):
        vlen(g, "categories", categories)
    else:
        array(g, "categories", np.array(categories, dtype=np.int64))


def main(sdist, out):
    digest = hashlib.sha256(open(sdist, "rb").read()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{sdist}: sha256 {digest}, expected {SHA256} (renge==0.0.5)")
    with tarfile.open(sdist) as tar:
        genes, barcodes, expr = read_csv(tar, "E_renge_d2_80.csv")
        ko_cols, ko_barcodes, ko = read_csv(tar, "X_renge_d2_80.csv")
    if ko_barcodes != barcodes:
        sys.exit("E_ and X_ files list different cells")
    day = ko[:, ko_cols.index("t")].astype(np.int64)
    ko_genes = [c for c in ko_cols if c != "t"]
    onehot = ko[:, [ko_cols.index(g) for g in ko_genes]]
    if not np.isin(onehot, [0, 1]).all() or (onehot.sum(axis=1) > 1).any():
        sys.exit("X_ knockout columns are not one-hot")
    labels = [ko_genes[int(np.argmax(r))] if r.any() else CONTROL for r in onehot]
    x = expr.astype(np.float32)
    nz = x != 0
    indptr = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32)
    indices = np.nonzero(nz)[1].astype(np.int32)
    data = x[nz]
    with h5py.File(out, "w", libver="earliest", track_order=False) as f:
        f.attrs["encoding-type"] = "anndata"
        f.attrs["encoding-version"] = "0.1.0"
        X = f.create_group("X")
        X.attrs["encoding-type"] = "csr_matrix"
        X.attrs["encoding-version"] = "0.1.0"
        X.attrs["shape"] = np.array(x.shape, dtype=np.int64)
        gz = dict(compression="gzip", compression_opts=9, shuffle=True, chunks=True)
        array(X, "data", data, **gz)
        array(X, "indices", indices, **gz)
        array(X, "indptr", indptr, **gz)
        obs = f.create_group("obs")
        obs.attrs["encoding-type"] = "dataframe"
        obs.attrs["encoding-version"] = "0.2.0"
        obs.attrs["_index"] = "_index"
        obs.attrs["column-order"] = np.array(["perturbation", "day"], dtype=h5py.string_dtype("utf-8"))
        vlen(obs, "_index", barcodes)
        categorical(obs, "perturbation", labels)
        categorical(obs, "day", list(day))
        var = f.create_group("var")
        var.attrs["encoding-type"] = "dataframe"
        var.attrs["encoding-version"] = "0.2.0"
        var.attrs["_index"] = "_index"
        var.attrs["column-order"] = np.array([], dtype=np.float64)  # what anndata writes for no columns
        vlen(var, "_index", genes)
        for name in ["layers", "obsm", "obsp", "varm", "varp", "uns"]:
            g = f.create_group(name)
            g.attrs["encoding-type"] = "dict"
            g.attrs["encoding-version"] = "0.1.0"
    used = sorted(set(labels) - {CONTROL})
    print(f"{out}: {x.shape[0]} cells x {x.shape[1]} genes, {len(used)} perturbations, "
          f"{labels.count(CONTROL)} control cells, {len(data)} non-zeros")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
