"""Screens from AnnData objects in memory: the same screen as the binary reads from the file, for
every layout and number type; the same refusals, as exceptions."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import mechpert
from conftest import RENGE


def assert_same(a: mechpert.Screen, b: mechpert.Screen):
    assert a.perturbations == b.perturbations
    assert a.genes == b.genes
    assert a.value_kind == b.value_kind
    np.testing.assert_array_equal(a.response, b.response)
    np.testing.assert_array_equal(a.control, b.control)
    assert a.cells == b.cells


@pytest.mark.parametrize(
    "layout",
    [
        lambda x: x.tocsr().astype(np.float32),
        lambda x: x.tocsr().astype(np.float64),
        lambda x: x.tocsc().astype(np.float32),
        lambda x: x.tocsc().astype(np.float64),
        lambda x: x.toarray().astype(np.float32),
        lambda x: x.toarray().astype(np.float64),
    ],
    ids=["csr-f32", "csr-f64", "csc-f32", "csc-f64", "dense-f32", "dense-f64"],
)
def test_every_layout_in_memory_reads_as_the_file(renge, layout):
    from_file = mechpert.Screen.read(RENGE)
    adata = renge.copy()
    adata.X = layout(sp.csr_matrix(renge.X))
    in_memory = mechpert.Screen.from_anndata(adata)
    assert_same(in_memory, from_file)
    assert len(in_memory.perturbations) == 23 and len(in_memory.genes) == 103
    assert sum(in_memory.cells) > 10_000


def test_a_named_obs_key_and_gears_ctrl_labels(renge):
    adata = renge.copy()
    # GEARS spells a single knockout `GENE+ctrl` and the controls `ctrl`, in a `condition` column.
    labels = renge.obs["perturbation"].astype(str)
    adata.obs = pd.DataFrame(
        {
            "guide_target": np.where(labels == "non-targeting", "ctrl", labels + "+ctrl"),
            "day": renge.obs["day"].values,
        },
        index=renge.obs_names,
    )
    screen = mechpert.Screen.from_anndata(adata, perturbation_key="guide_target", control="ctrl")
    assert_same(screen, mechpert.Screen.read(RENGE))


def test_an_unknown_key_lists_the_obs_columns(renge):
    with pytest.raises(mechpert.DataError, match=r"no obs column `guide`.*`perturbation`, `day`"):
        mechpert.Screen.from_anndata(renge, perturbation_key="guide")


def test_counts_are_refused_unless_normalised(renge):
    adata = renge.copy()
    counts = sp.csr_matrix(renge.X)
    counts.data = np.round(np.expm1(counts.data) * 3) + 40
    adata.X = counts
    with pytest.raises(mechpert.DataError, match="holds raw counts.*--normalize log1p-cp10k"):
        mechpert.Screen.from_anndata(adata)
    screen = mechpert.Screen.from_anndata(adata, normalize="log1p-cp10k")
    assert screen.perturbations == mechpert.Screen.read(RENGE).perturbations
    with pytest.raises(mechpert.ConfigError, match="invalid value 'cp10k'"):
        mechpert.Screen.from_anndata(adata, normalize="cp10k")


def test_nan_is_named_by_cell_and_gene(renge):
    adata = renge.copy()
    dense = renge.X.toarray()
    dense[7, 3] = np.nan
    adata.X = dense
    cell, gene = renge.obs_names[7], renge.var_names[3]
    with pytest.raises(mechpert.DataError, match=rf"row 7 \(obs `{cell}`\), column 3 \(gene `{gene}`\).*expected a finite number, got NaN"):
        mechpert.Screen.from_anndata(adata)


def test_a_layer_and_a_missing_layer(renge):
    adata = renge.copy()
    adata.layers["lognorm"] = renge.X.copy()
    adata.X = sp.csr_matrix(renge.X.shape, dtype=np.float32)
    assert_same(mechpert.Screen.from_anndata(adata, layer="lognorm"), mechpert.Screen.read(RENGE))
    with pytest.raises(mechpert.DataError, match="AnnData `/layers/counts`: no such layer: the layers are `lognorm`"):
        mechpert.Screen.from_anndata(adata, layer="counts")


def test_to_anndata_round_trips(renge):
    screen = mechpert.Screen.from_anndata(renge)
    back = mechpert.Screen.from_anndata(screen.to_anndata())
    assert back.perturbations == screen.perturbations
    assert back.genes == screen.genes
    np.testing.assert_allclose(back.response, screen.response, atol=1e-6)
    np.testing.assert_array_equal(back.control, screen.control)


def test_a_panic_becomes_an_exception():
    with pytest.raises(mechpert.InternalError, match="mechpert panicked: boom"):
        mechpert._mechpert._panic("boom")
