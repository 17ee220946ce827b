# mechpert: the two commands a user needs.
#   make run   build in release and run the main job (experiments/default.toml: the design loop
#              on a simulated K562-like screen and the embedded Renge iPSC screen) into
#              target/run/default (git-ignored), write its report and say what to do next
#   make test  formatting, lints, warning-free docs, the whole test suite (what CI runs; the
#              workflow test starts a throwaway SLURM cluster, see workflow/local-slurm.sh) and the
#              Python package's (python/: built with maturin into a venv under target/, then pytest)
#   make bench the speed and memory experiments under experiments/perf (minutes; figures in README)
#   make fuzz  libFuzzer on each parser in fuzz/ for FUZZ_SECONDS each (default 600: 50 minutes)
#   make test-llm  opt-in: a real local model (SmolLM2-135M via llama-cpp-python, built from
#              source: ~15-30 min on 2 cores the first time) against the shipped llamacpp.toml
# Both first make sure the system libraries OpenBLAS and HDF5 are present.

SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/mechpert
SYSTEM_PACKAGES := libopenblas-dev libhdf5-dev pkg-config

.PHONY: run test system-deps browser-deps snakemake-deps py-deps build bench fuzz fuzz-build test-llm python-test

system-deps:
	@if pkg-config --exists openblas hdf5 2>/dev/null; then exit 0; fi; \
	echo "mechpert needs OpenBLAS and HDF5 development files; installing $(SYSTEM_PACKAGES)"; \
	if command -v apt-get >/dev/null 2>&1; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) < /dev/null; \
	else \
		echo "apt-get not found. Install OpenBLAS and HDF5 with your package manager, e.g.:"; \
		echo "  macOS:   brew install openblas hdf5 pkg-config"; \
		echo "  Fedora:  sudo dnf install openblas-devel hdf5-devel pkgconf-pkg-config"; \
		echo "  Arch:    sudo pacman -S openblas hdf5 pkgconf"; \
		exit 1; \
	fi

# Headless Chromium renders report.html in the tests (`make test` only). A test whose dependency
# is missing says SKIP, or fails when MECHPERT_REQUIRE_ALL=1, which .ci/run sets: CI never passes
# a test it did not run.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi; \
	echo "the report test renders HTML in headless Chromium; installing chromium"; \
	if command -v apt-get >/dev/null 2>&1; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium < /dev/null \
		|| echo "could not install chromium; the browser test will fail under MECHPERT_REQUIRE_ALL=1, else say SKIP"; \
	else \
		echo "apt-get not found; install Chromium (e.g. brew install --cask chromium) or the browser test will say SKIP (fail under MECHPERT_REQUIRE_ALL=1)"; \
	fi

# Snakemake runs workflow/Snakefile in the workflow tests (`make test` only): installed into a
# throwaway venv under target/ from PyPI; when PyPI is unreachable the tests say SKIP (fail under
# MECHPERT_REQUIRE_ALL=1). Their SLURM half starts its own one-node cluster through
# workflow/local-slurm.sh (root; installs slurmctld, slurmd, slurm-client and munge with apt when
# missing) and stops its daemons when the test ends, passed or failed.
SNAKEMAKE_VENV := target/snakemake-venv
snakemake-deps:
	@if [ -x $(SNAKEMAKE_VENV)/bin/snakemake ] || command -v snakemake >/dev/null 2>&1; then exit 0; fi; \
	echo "the workflow test runs Snakemake; installing it into $(SNAKEMAKE_VENV) from PyPI"; \
	rm -rf $(SNAKEMAKE_VENV) $(SNAKEMAKE_VENV).unreachable; mkdir -p target; \
	python3 -m venv $(SNAKEMAKE_VENV) && \
	$(SNAKEMAKE_VENV)/bin/pip install -q snakemake==9.27.1 snakemake-executor-plugin-slurm==2.8.0 \
	|| { rm -rf $(SNAKEMAKE_VENV); touch $(SNAKEMAKE_VENV).unreachable; \
	     echo "could not install Snakemake from PyPI; the workflow tests will say SKIP (fail under MECHPERT_REQUIRE_ALL=1)"; }

# Python's anndata and cell-eval, pinned, in a throwaway venv under target/: the tests that read
# mechpert's h5ad predictions back and score them with cell-eval run it when it is missing (and
# say SKIP only when PyPI cannot be reached; fail then under MECHPERT_REQUIRE_ALL=1).
PYENV := target/pyenv
py-deps: $(PYENV)/.installed
$(PYENV)/.installed:
	@rm -rf $(PYENV); \
	if python3 -m venv $(PYENV) && $(PYENV)/bin/pip install --quiet --disable-pip-version-check \
		cell-eval==0.8.2 scipy==1.17.1 numpy==2.4.6 anndata==0.12.19 pandas==2.3.3; then \
		touch $@; \
	else \
		echo "could not install anndata and cell-eval from PyPI; the tests that need them will say SKIP (fail under MECHPERT_REQUIRE_ALL=1)"; \
	fi

build: system-deps
	$(CARGO) build --release --locked

# The Python package (python/, PyO3 + maturin) built into a throwaway venv under target/ with its
# test dependencies from PyPI, then its pytest suite against the release binary. Fails, never
# skips, when PyPI or the build is unavailable. The wheel's crate shares target/ with the root
# crate, so dependencies built with the same features are reused (mechpert and a few crates
# whose features PyO3's build changes are compiled once more: ~8 min on 2 busy cores).
PYVENV := target/pyvenv
PYTHON_TEST_DEPS := maturin==1.16.0 numpy==2.4.6 scipy==1.17.1 pandas==2.3.3 anndata==0.12.19 pytest==9.2.0
python-test: build
	@if [ ! -f $(PYVENV)/.installed ]; then \
		rm -rf $(PYVENV) && python3 -m venv $(PYVENV) && \
		$(PYVENV)/bin/pip install --quiet --disable-pip-version-check $(PYTHON_TEST_DEPS) && \
		touch $(PYVENV)/.installed; \
	fi
	$(CARGO) fmt --check --manifest-path python/Cargo.toml
	CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) clippy --release --locked --manifest-path python/Cargo.toml -- -D warnings
	VIRTUAL_ENV=$(CURDIR)/$(PYVENV) CARGO_TARGET_DIR=$(CURDIR)/target \
		$(PYVENV)/bin/maturin develop --release --locked --manifest-path python/Cargo.toml
	cd python && MECHPERT_BIN=$(CURDIR)/$(BIN) $(CURDIR)/$(PYVENV)/bin/python -m pytest -q tests

# The main job's output goes under target/ (ignored by git); the committed results/default/ is
# regenerated by `make experiments`.
RUN_OUT := target/run/default
run: build
	$(BIN) plan --config experiments/default.toml --out $(RUN_OUT) --force
	$(BIN) report $(RUN_OUT)/k562-like $(RUN_OUT)/renge-ipsc --out $(RUN_OUT)/report.html
	@echo
	@echo "How to read the tables above: final = the predictor's score once 50 (Renge: 12) perturbations are observed,"
	@echo "AULC = its mean along the learning curve; 'vs <centrality>' compares with the best centrality heuristic of the run,"
	@echo "the strategy a screen designer would use without mechpert (perturb the most connected regulators first);"
	@echo "mean = the training mean fitted on the same perturbations, the baseline any predictor must beat."
	@echo
	@echo "Next:"
	@echo "  open the report:        xdg-open $(RUN_OUT)/report.html   (macOS: open $(RUN_OUT)/report.html)"
	@echo "  design your next screen: $(BIN) design --data YOUR_SCREEN.h5ad --budget 50 --out next_screen.csv"
	@echo "  (on the embedded screen: $(BIN) design --data experiments/data/embedded/renge_ipsc.h5ad --budget 10 --out next_screen.csv)"

# OpenBLAS's LAPACK routines use large stack buffers; Rust's 2 MiB test threads have crashed in
# them intermittently here, so test threads get the stack a main thread would have.
test: export RUST_MIN_STACK := 67108864
test: system-deps browser-deps snakemake-deps py-deps
	$(CARGO) fmt --check
	$(CARGO) clippy --release --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --release --locked --no-deps
	@# The SLURM test stops its cluster itself; this catches one left by a test run cut short.
	@trap 'for d in target/local-slurm-*; do [ -d "$$d" ] && bash workflow/local-slurm.sh stop "$$d" && rm -rf "$$d"; done' EXIT; \
	echo "$(CARGO) test --release --locked"; $(CARGO) test --release --locked
	$(MAKE) python-test

bench: build
	bash experiments/perf/read_h5ad.sh
	bash experiments/perf/simulate.sh
	bash experiments/perf/centrality.sh
	bash experiments/perf/ridge_fit.sh
	$(CARGO) run --release --locked --example agents_throughput
	bash experiments/calibration/run.sh

# Every experiment of the README's Results section, writing into results/<name>/ (needs
# ../shared/data beside the checkout; wall time in the README).
.PHONY: experiments
experiments: build
	$(BIN) plan --config experiments/default.toml --force
	bash experiments/fewshot_k562/run.sh
	bash experiments/fewshot_renge/run.sh
	bash experiments/fewshot_sim/run.sh
	bash experiments/ablations_k562/run.sh
	bash experiments/anchors_k562/run.sh
	bash experiments/anchors_sim/run.sh
	bash experiments/controls_feedback/run.sh

# libFuzzer on stable Rust: the coverage flags cargo-fuzz passes for `--sanitizer none`, plus
# debug assertions and overflow checks (fuzz/Cargo.toml). `--target` keeps them off build scripts
# and proc macros. Each target runs on a working copy of its committed corpus (fuzz/corpus/T, kept
# under fuzz/target/corpus/T), then replaces it by the smallest set of inputs covering every edge
# either reached (set-cover merge, edges only), so the committed corpus stays small; a crash is saved under fuzz/artifacts/T/ and stops the run.
# `make fuzz FUZZ_TARGETS=h5ad FUZZ_SECONDS=60` runs one briefly.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= h5ad screen_text llm_reply agents_toml plan_toml
FUZZ_TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_BIN := fuzz/target/$(FUZZ_TRIPLE)/release
FUZZ_RUSTFLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
	-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing

fuzz-build: system-deps
	cd fuzz && RUSTFLAGS="$(FUZZ_RUSTFLAGS)" $(CARGO) build --release --locked --target $(FUZZ_TRIPLE)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		work=fuzz/target/corpus/$$t; mkdir -p $$work fuzz/corpus/$$t fuzz/artifacts/$$t; \
		cp -r fuzz/corpus/$$t/. $$work/; echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BIN)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-max_len=65536 -print_final_stats=1 -artifact_prefix=fuzz/artifacts/$$t/ $$work; \
		rm -rf $$work.min; mkdir -p $$work.min; \
		$(FUZZ_BIN)/$$t -set_cover_merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 \
			$$work.min fuzz/corpus/$$t $$work 2>&1 | grep MERGE-OUTER; \
		rm -rf fuzz/corpus/$$t; mv $$work.min fuzz/corpus/$$t; \
	done

# Opt-in (needs PyPI and a C++ toolchain; see README "Local LLMs"). LLM_VENV picks the venv.
test-llm: system-deps
	bash experiments/llm/check.sh
