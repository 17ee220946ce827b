#!/usr/bin/env bash
# Writes the small h5ad test fixtures under tests/fixtures/h5ad/ with Python's anndata, plus
# expected.json (per-perturbation means, cell counts, mean |response|) computed by numpy, which
# tests/h5ad.rs compares mechpert's reading against.
#
# It also writes two files with mechpert's own writer (examples/write_cells.rs and
# examples/write_pseudobulk.rs) and has anndata read them, so the expected numbers for those come
# from anndata's reading of mechpert's files.
#
# Usage: bash experiments/data/make_h5ad_fixtures.sh   (needs cargo, python3 with venv and access
# to PyPI). Creates a throwaway venv with pinned packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    anndata==0.12.19 numpy==2.4.6 scipy==1.17.1 h5py==3.16.0 pandas==2.3.3
cargo build --release --quiet --examples
target/release/examples/write_cells tests/fixtures/h5ad/mechpert_cells.h5ad 5 7
target/release/examples/write_pseudobulk tests/fixtures/h5ad/mechpert_pseudobulk.h5ad 3 6 1
"$venv/bin/python" experiments/data/make_h5ad_fixtures.py tests/fixtures/h5ad
