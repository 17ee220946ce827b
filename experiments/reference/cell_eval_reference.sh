#!/usr/bin/env bash
# Recomputes the metric reference values in tests/fixtures/metrics/ with cell-eval and scipy in a
# throwaway virtual environment (Python >= 3.11; needs PyPI). The Rust test
# `eval_matches_cell_eval_and_scipy` compares mechpert's metrics with them to 1e-6.
#
#   experiments/reference/cell_eval_reference.sh                   # reference values only
#   experiments/reference/cell_eval_reference.sh --write-fixtures  # regenerate the fixtures too
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet cell-eval==0.8.2 scipy==1.17.1 numpy==2.4.6 anndata==0.12.19 pandas==2.3.3
"$venv/bin/python" "$here/cell_eval_reference.py" "$@"
echo "wrote $(cd "$here/../../tests/fixtures/metrics" && pwd)/{cell_eval_reference,wilcoxon_reference}.tsv"
