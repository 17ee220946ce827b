"""`Screen`: a Perturb-seq screen as mechpert holds it, read from an in-memory AnnData object or a
file by the same Rust reader as the `mechpert` binary."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import _mechpert
from ._flags import to_flags


class Screen:
    """One response profile (profile − control) per perturbation over the measured genes.

    Build one with :meth:`Screen.from_anndata` (an AnnData object in memory) or
    :meth:`Screen.read` (an .h5ad, .csv or .tsv file); every function of :mod:`mechpert` that
    takes ``screen=`` takes one.

    >>> screen = mechpert.Screen.from_anndata(adata, perturbation_key="gene", control="non-targeting")
    >>> screen.response.shape   # (perturbations, genes)
    """

    def __init__(self, inner: _mechpert.RustScreen):
        self._inner = inner

    @classmethod
    def from_anndata(
        cls,
        adata: Any,
        perturbation_key: str | None = None,
        control: str | list[str] | None = None,
        layer: str | None = None,
        normalize: str | None = None,
        values: str | None = None,
        aliases: str | os.PathLike | None = None,
        no_aliases: bool = False,
    ) -> "Screen":
        """Reads a screen from an AnnData object in memory, as ``mechpert`` reads the same object
        written to an .h5ad file: the same checks and messages, no file written.

        ``adata.X`` (or ``adata.layers[layer]``) may be a dense numpy array or a scipy CSR/CSC
        matrix of float32, float64 or integers. Single cells (labels repeat) are averaged per
        perturbation; raw counts are refused unless ``normalize="log1p-cp10k"``. One row per
        perturbation is read as pseudo-bulk. ``perturbation_key`` names the obs column of labels
        (default: the first of perturbation, condition, gene, target_gene); ``control`` the
        labels of control cells (default: non-targeting, control, ctrl, NT; GEARS's ``ctrl``
        included). ``values`` says what pseudo-bulk values are (expression, z-score, response).

        Raises :class:`mechpert.DataError` naming the obs column, row or gene at fault, or
        :class:`mechpert.ConfigError` for an unknown ``normalize``/``values``.
        """
        if isinstance(control, str):
            control = [control]
        flags = to_flags(
            perturbation_key=perturbation_key,
            control=control,
            values=values,
            normalize=normalize,
            layer=layer,
            aliases=aliases,
            no_aliases=no_aliases,
        )
        layers = sorted(str(name) for name in adata.layers.keys())
        if layer is None:
            matrix = adata.X
        else:
            matrix = adata.layers[layer] if layer in adata.layers else None
        parts = None if matrix is None else _matrix_parts(matrix)
        kind = adata.uns.get("value_kind") if hasattr(adata, "uns") else None
        inner = _mechpert.screen_from_anndata(
            flags,
            parts,
            layers,
            _frame_parts(adata.obs),
            _frame_parts(adata.var),
            kind if isinstance(kind, str) else None,
        )
        return cls(inner)

    @classmethod
    def read(cls, path: str | os.PathLike, **screen_flags: Any) -> "Screen":
        """Reads a screen file (.h5ad, .csv, .tsv, optionally .gz) as ``mechpert --data PATH``
        does; keyword arguments are the screen flags with underscores (``perturbation_key=``,
        ``control=``, ``layer=``, ``normalize=``, ``values=``, ``format=``, ``labels=``,
        ``missing=``, ``aliases=``, ``no_aliases=``)."""
        control = screen_flags.get("control")
        if isinstance(control, str):
            screen_flags["control"] = [control]
        return cls(_mechpert.read_screen(os.fspath(path), to_flags(**screen_flags)))

    @property
    def perturbations(self) -> list[str]:
        """The perturbations, in row order (gene symbols after the alias table)."""
        return self._inner.perturbations

    @property
    def genes(self) -> list[str]:
        """The measured genes, in column order."""
        return self._inner.genes

    @property
    def response(self) -> np.ndarray:
        """Responses (profile − control): float32, perturbations × genes."""
        values = np.frombuffer(self._inner.response_bytes(), dtype=np.float32)
        return values.reshape(len(self.perturbations), len(self.genes))

    @property
    def control(self) -> np.ndarray:
        """The control profile (zeros when the values are already relative to control)."""
        return np.frombuffer(self._inner.control_bytes(), dtype=np.float32)

    @property
    def value_kind(self) -> str:
        """What the values mean: expression, z-score, rank-score or response."""
        return self._inner.value_kind

    @property
    def cells(self) -> list[int] | None:
        """Cells per perturbation, when read from single cells."""
        return self._inner.cells

    def write(self, path: str | os.PathLike) -> None:
        """Writes the screen as a pseudo-bulk .h5ad file the binary reads back unchanged."""
        self._inner.write_h5ad(os.fspath(path))

    def to_anndata(self) -> Any:
        """The screen as a pseudo-bulk AnnData object: one obs row per perturbation holding its
        profile (response + control), a last row ``non-targeting`` holding the measured control
        profile, obs column ``perturbation``, ``uns["value_kind"]``; as :meth:`write` lays out
        the file, so ``Screen.from_anndata(screen.to_anndata())`` gives the same screen."""
        import anndata
        import pandas as pd

        profiles = self.response + self.control
        labels = list(self.perturbations)
        if self._inner.control_measured:
            profiles = np.vstack([profiles, self.control[None, :]])
            labels.append("non-targeting")
        obs = pd.DataFrame({"perturbation": pd.Categorical(labels)}, index=labels)
        var = pd.DataFrame(index=list(self.genes))
        return anndata.AnnData(
            X=np.ascontiguousarray(profiles, dtype=np.float32),
            obs=obs,
            var=var,
            uns={"value_kind": self.value_kind},
        )

    def __repr__(self) -> str:
        return (
            f"Screen({len(self.perturbations)} perturbations × {len(self.genes)} genes, "
            f"{self.value_kind})"
        )


def _matrix_parts(matrix: Any) -> tuple:
    """A matrix as the Rust half takes it: layout, shape, number type, float32 values and int64
    offsets and indices as bytes. Values are converted to float32, as the binary reads any h5ad
    number type."""
    import scipy.sparse as sp

    dtype = str(matrix.dtype)
    if sp.issparse(matrix):
        if matrix.format not in ("csr", "csc"):
            matrix = matrix.tocsr()
        return (
            matrix.format,
            tuple(int(n) for n in matrix.shape),
            dtype,
            np.ascontiguousarray(matrix.data, dtype=np.float32).tobytes(),
            np.ascontiguousarray(matrix.indptr, dtype=np.int64).tobytes(),
            np.ascontiguousarray(matrix.indices, dtype=np.int64).tobytes(),
        )
    dense = np.asarray(matrix)
    if dense.ndim != 2:
        raise _mechpert.DataError(
            f"AnnData `/X`: has {dense.ndim} dimensions, expected a 2-D matrix"
        )
    return (
        "dense",
        tuple(int(n) for n in dense.shape),
        dtype,
        np.ascontiguousarray(dense, dtype=np.float32).tobytes(),
        b"",
        b"",
    )


def _frame_parts(frame: Any) -> tuple:
    """An obs or var dataframe as the Rust half takes it: the index as text, and each column as
    categories (text) and int64 codes (−1: missing)."""
    import pandas as pd

    columns = []
    for name in frame.columns:
        categorical = pd.Categorical(frame[name])
        categories = [_category_text(c) for c in categorical.categories]
        codes = np.ascontiguousarray(categorical.codes, dtype=np.int64).tobytes()
        columns.append((str(name), categories, codes))
    return ([str(i) for i in frame.index], columns)


def _category_text(value: Any) -> str:
    # Whole floats as the h5ad reader writes them (`1`, not `1.0`).
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
