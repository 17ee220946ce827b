"""Writes tests/fixtures/h5ad/bad_lzf.h5ad: an h5ad whose dense X is lzf-compressed (h5py's
own filter, which an HDF5 library without plugins cannot decode), for the bad-input catalogue.

Usage: python3 -m venv /tmp/v && /tmp/v/bin/pip install h5py==3.16.0 numpy==2.4.6 &&
       /tmp/v/bin/python experiments/data/make_lzf_fixture.py tests/fixtures/h5ad
"""

import sys

import h5py
import numpy as np

out = f"{sys.argv[1]}/bad_lzf.h5ad"
with h5py.File(out, "w") as f:
    f.attrs["encoding-type"] = "anndata"
    f.attrs["encoding-version"] = "0.1.0"
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    ds = f.create_dataset("X", data=x, chunks=(6, 4), compression="lzf")
    ds.attrs["encoding-type"] = "array"
    ds.attrs["encoding-version"] = "0.2.0"
    for name, index in [("obs", [f"c{i}" for i in range(6)]), ("var", ["A", "B", "C", "D"])]:
        g = f.create_group(name)
        g.attrs["encoding-type"] = "dataframe"
        g.attrs["encoding-version"] = "0.2.0"
        g.attrs["_index"] = "_index"
        g.attrs["column-order"] = np.array([], dtype="float64")
        g.create_dataset("_index", data=np.array(index, dtype=object), dtype=h5py.string_dtype())
print(out)
