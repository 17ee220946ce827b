#!/usr/bin/env bash
# Derives experiments/data/embedded/renge_ipsc.h5ad, mechpert's embedded default dataset, from
# the PyPI sdist renge==0.0.5 (MIT; Ishikawa et al. 2023, Commun Biol 6:1290). See
# derive_renge.py for the exact source files, checksum and layout.
#
# Usage: bash experiments/data/derive_renge.sh   (from anywhere; needs python3 with venv and
# access to PyPI). Uses a throwaway venv with pinned numpy and h5py; the output is byte-identical
# on every run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 h5py==3.16.0
"$work/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: renge==0.0.5 -d "$work/sdist"
"$work/venv/bin/python" "$root/experiments/data/derive_renge.py" \
    "$work/sdist/renge-0.0.5.tar.gz" "$root/experiments/data/embedded/renge_ipsc.h5ad"
