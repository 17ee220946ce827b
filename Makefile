# mechpert: the two commands a user needs.
#   make run   build in release and run the main job (experiments/default.toml: the design loop
#              on a simulated K562-like screen and the embedded Renge iPSC screen)
#   make test  formatting, lints, warning-free docs and the whole test suite (what CI runs)
#   make bench the speed and memory experiments under experiments/perf (minutes; figures in README)
# Both first make sure the system libraries OpenBLAS and HDF5 are present.

SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/mechpert
SYSTEM_PACKAGES := libopenblas-dev libhdf5-dev pkg-config

.PHONY: run test system-deps browser-deps build bench py-deps

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

# Headless Chromium renders report.html in the tests (`make test` only); without it that test skips.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi; \
	echo "the report test renders HTML in headless Chromium; installing chromium"; \
	if command -v apt-get >/dev/null 2>&1; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium < /dev/null \
		|| echo "could not install chromium; the browser test will say SKIP"; \
	else \
		echo "apt-get not found; install Chromium (e.g. brew install --cask chromium) or the browser test will say SKIP"; \
	fi

# Python's anndata and cell-eval, pinned, in a throwaway venv under target/: the tests that read
# mechpert's h5ad predictions back and score them with cell-eval run it when it is missing (and
# say SKIP only when PyPI cannot be reached).
PYENV := target/pyenv
py-deps: $(PYENV)/.installed
$(PYENV)/.installed:
	@rm -rf $(PYENV); \
	if python3 -m venv $(PYENV) && $(PYENV)/bin/pip install --quiet --disable-pip-version-check \
		cell-eval==0.8.2 scipy==1.17.1 numpy==2.4.6 anndata==0.12.19 pandas==2.3.3; then \
		touch $@; \
	else \
		echo "could not install anndata and cell-eval from PyPI; the tests that need them will say SKIP"; \
	fi

build: system-deps
	$(CARGO) build --release --locked

run: build
	$(BIN) plan --config experiments/default.toml

# OpenBLAS's LAPACK routines use large stack buffers; Rust's 2 MiB test threads have crashed in
# them intermittently here, so test threads get the stack a main thread would have.
test: export RUST_MIN_STACK := 67108864
test: system-deps browser-deps py-deps
	$(CARGO) fmt --check
	$(CARGO) clippy --release --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --release --locked --no-deps
	$(CARGO) test --release --locked

bench: build
	bash experiments/perf/read_h5ad.sh
	bash experiments/perf/simulate.sh
	bash experiments/perf/centrality.sh
	bash experiments/perf/ridge_fit.sh
	$(CARGO) run --release --locked --example agents_throughput
	bash experiments/calibration/run.sh
