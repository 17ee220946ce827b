#!/usr/bin/env bash
# Times the ridge fit on a synthetic 2,000 × 8,000 screen (target: under one second).
#   experiments/perf/ridge_fit.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release --quiet --example ridge_fit
