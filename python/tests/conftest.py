"""Shared fixtures: the repository's paths, the `mechpert` binary the package is compared with,
and the embedded Renge iPSC screen (23 knockouts × 103 genes, single cells)."""

import os
import subprocess
from pathlib import Path

import anndata
import pytest

REPO = Path(__file__).resolve().parents[2]
RENGE = REPO / "experiments/data/embedded/renge_ipsc.h5ad"
AGENTS = REPO / "experiments/agents/knowledge_bundled.toml"


@pytest.fixture(scope="session")
def binary() -> Path:
    """The release binary (`make test` builds it first); its absence fails the tests that need it."""
    path = Path(os.environ.get("MECHPERT_BIN", REPO / "target/release/mechpert"))
    assert path.is_file(), f"{path} is missing: build it with `cargo build --release --locked`"
    return path


@pytest.fixture()
def cli(binary):
    """Runs the binary, failing on a non-zero exit; returns its stdout."""

    def run(*args):
        done = subprocess.run([str(binary), "--quiet", *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.fixture(scope="session")
def renge() -> anndata.AnnData:
    return anndata.read_h5ad(RENGE)
