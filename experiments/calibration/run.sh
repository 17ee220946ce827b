#!/usr/bin/env bash
# Simulator calibration (issue 10): the same statistics on the real K562 essential-gene
# signatures (Replogle 2022) and on simulated screens, all on rank scores.
#
#   experiments/calibration/run.sh [PRESET…]    # default: k562-like sparse-noisy small
#
# Writes results/calibration/table.tsv and table.md. Needs ../shared/data beside the checkout
# for the real row (skipped with a message otherwise) and python3 with venv (numpy is installed
# into a throwaway venv under target/, not into the repository).
#
# Per screen: `mechpert simulate --truth` → the wide CSV turned into ranked signatures (top
# 1,000 genes by response, as the real file: score 1 − (rank − 1)/1000, else 0) → `mechpert
# evaluate` at N = 50 observed, 5 draws, seed 1, with the truth (regulation and module edges,
# weight 1) as the consensus table → stats.py for the oracle 5-NN PearsonΔ, pairwise
# correlations and top-PC variance. On the real screen, the known graph is STRING v12
# (`graph:shrunk`), the reference for the +10 % target.
#
# Knobs (environment): DATA=FILE the real screen of the first row (default the K562 signatures;
# any ranked screen of the same layout); OUT=DIR (default results/calibration); N observed (50);
# DRAWS (5); SEED (1).
set -euo pipefail
cd "$(dirname "$0")/../.."
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(k562-like sparse-noisy small)
shared=../shared/data
real=${DATA:-"$shared/perturbseq/replogle2022_k562_signatures/k562_essential_up_ranked_top1000.csv.gz"}
string="$shared/priors/string_v12_edges.tsv.gz"
out=${OUT:-results/calibration}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --locked --quiet
bin=target/release/mechpert
venv=target/calibration-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet numpy
fi
py="$venv/bin/python experiments/calibration/stats.py"
observed=${N:-50} draws=${DRAWS:-5} seed=${SEED:-1}

# Mean PearsonΔ over draws of one predictor, from evaluate's tidy metrics.csv.
pearson() {
    awk -F, -v p="$2" '$2 == p && $3 == "pearson_delta" { s += $4; n++ } END { printf "%.3f", s / n }' "$1/metrics.csv"
}
fallback() {
    awk -F, -v p="$2" '$2 == p && $3 == "n_fallback" { s += $4; n++ } END { printf "%.0f", s / n }' "$1/metrics.csv"
}

mkdir -p "$out"
table="$work/table.tsv"
printf 'screen\tperturbations\tgenes\tmean\tknown_graph\tknown_graph_fallback\tgain\t%s\n' \
    "$(printf 'oracle5\tcorr_mean\tcorr_q10\tcorr_median\tcorr_q90\tcorr_q99\tpc1_centred\tpc1_uncentred\tcorr_regulation_pairs\tn_regulation_pairs\tcorr_module_pairs\tn_module_pairs')" >"$table"

row() { # name ranked evaluate-dir predictor [truth]
    local stats n g m k
    if [ $# -ge 5 ]; then
        stats=$($py stats "$2" --observed $observed --draws $draws --seed $seed --truth "$5" | tail -1)
    else
        stats="$($py stats "$2" --observed $observed --draws $draws --seed $seed | tail -1)$(printf '\t–\t–\t–\t–')"
    fi
    n=$(awk -F, 'NR > 1 { p[$1] = 1 } END { print length(p) }' <(zcat -f "$2"))
    g=$(awk -F, 'NR > 1 { g[$3] = 1 } END { print length(g) }' <(zcat -f "$2"))
    m=$(pearson "$3" mean)
    k=$(pearson "$3" "$4")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$n" "$g" "$m" "$k" "$(fallback "$3" "$4")" \
        "$(awk -v m="$m" -v k="$k" 'BEGIN { printf "%+.1f%%", 100 * (k - m) / m }')" "$stats" >>"$table"
}

if [ -f "$real" ] && [ -f "$string" ]; then
    "$bin" -q evaluate --data "$real" --observed $observed --draws $draws --seed $seed \
        --predictors mean,graph:shrunk --graph "string:$string" --out "$work/real" >/dev/null
    label=K562
    [ -z "${DATA:-}" ] || label=$(basename "$DATA")
    row "real $label (STRING graph)" "$real" "$work/real" graph:shrunk
else
    echo "SKIP real K562 row: $real or $string not found" >&2
fi

for preset in "${presets[@]}"; do
    d="$work/$preset"
    mkdir -p "$d"
    "$bin" -q simulate --preset "$preset" --seed $seed --out "$d/screen.csv" --truth "$d/truth.tsv" >"$d/summary.txt"
    $py rank "$d/screen.csv" "$d/ranked.csv"
    awk -F'\t' 'BEGIN { OFS = "\t"; print "target", "neighbour", "weight", "votes", "agents" }
        NR > 1 { print $2, $1, 1, 1, "truth" }' "$d/truth.tsv" >"$d/consensus.tsv"
    "$bin" -q evaluate --data "$d/ranked.csv" --observed $observed --draws $draws --seed $seed \
        --predictors mean,consensus:shrunk --neighbours "$d/consensus.tsv" --out "$d/eval" >/dev/null
    row "$preset (truth)" "$d/ranked.csv" "$d/eval" consensus:shrunk "$d/truth.tsv"
    grep 'variance of μ' "$d/summary.txt" | sed "s/^ */$preset: /" >>"$work/variance.txt"
done

cp "$table" "$out/table.tsv"
{
    echo "# Simulator calibration: real K562 signatures vs simulated presets"
    echo
    echo "All statistics on rank scores (top 1,000 up-regulated genes per perturbation, score"
    echo "1 − (rank − 1)/1000, else 0), N = $observed observed, $draws draws, seed $seed."
    echo "\`mean\`: training-mean PearsonΔ; \`known_graph\`: \`graph:shrunk\` over STRING on the real"
    echo "screen, \`consensus:shrunk\` over the true network (regulation + module edges) on simulated"
    echo "ones; \`oracle5\`: mean of the 5 observed responses most correlated with the truth;"
    echo "\`corr_*\`: pairwise Pearson correlations between perturbations; \`pc1_*\`: variance share"
    echo "of the top principal component (genes centred, or not); \`corr_regulation_pairs\`,"
    echo "\`corr_module_pairs\`: mean correlation between the responses of the two perturbed ends of"
    echo "a truth edge of that mechanism (\`n_*\`: how many such unordered pairs). \`genes\`: genes"
    echo "ranked in at least one perturbation."
    echo
    awk -F'\t' 'NR == 1 { h = "|"; s = "|"; for (i = 1; i <= NF; i++) { h = h " " $i " |"; s = s "---|" } print h; print s; next }
        { l = "|"; for (i = 1; i <= NF; i++) l = l " " $i " |"; print l }' "$table"
    echo
    echo "Variance of the expected responses μ by model term (\`mechpert simulate\` summary):"
    echo
    sed 's/^/- /' "$work/variance.txt"
    echo
    echo "Produced by \`experiments/calibration/run.sh\`."
} >"$out/table.md"
cat "$out/table.md"
