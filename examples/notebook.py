# %% [markdown]
# # mechpert from a notebook
#
# From an AnnData object in memory to a consensus graph, a few-shot benchmark, a budgeted design
# loop with its figure, and the next screen's genes: each one cell, no file written. The screen is
# the embedded Renge iPSC CRISPR screen (23 knockouts × 103 genes, single cells); the agents vote
# with the prior-knowledge resources compiled into mechpert (no network). Runs in seconds, as a
# notebook (jupytext percent format) or as `python examples/notebook.py`.

# %%
from pathlib import Path

import anndata

import mechpert

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd() / "examples"
adata = anndata.read_h5ad(HERE.parent / "experiments/data/embedded/renge_ipsc.h5ad")
AGENTS = HERE.parent / "experiments/agents/knowledge_bundled.toml"

# %% [markdown]
# The screen, read from memory with the checks the CLI applies to an h5ad file (raw counts are
# refused unless `normalize="log1p-cp10k"`, NaN is named by cell and gene).

# %%
screen = mechpert.Screen.from_anndata(adata, perturbation_key="perturbation", control="non-targeting")
print(screen)

# %% [markdown]
# Consensus: each gene's upstream regulators on which the knowledge agents agree.

# %%
edges = mechpert.consensus(screen, agents=AGENTS, progress=False)
print(edges.head())

# %% [markdown]
# Few-shot benchmark: 8 observed knockouts, 3 random draws, three predictors.

# %%
ev = mechpert.evaluate(
    screen, neighbours=edges, observed=8, draws=3,
    predictors=["mean", "similarity", "consensus"], progress=False,
)
print(ev.metrics.groupby(["predictor", "metric"])["value"].mean().unstack())

# %% [markdown]
# The design loop: three rounds of three picks after three random ones, three seeds.

# %%
result = mechpert.plan(
    {"strategies": ["consensus", "degree", "random"], "initial": "random:3",
     "rounds": 3, "batch": 3, "seeds": 3, "graph": "collectri"},
    screen=screen, agents=AGENTS, progress=False,
)
last = result.rounds[result.rounds["round"] == result.rounds["round"].max()]
print(last[last["metric"] == "pearson_delta"].groupby("strategy")["value"].mean())
figure = result.figure("pearson_delta")  # displayed by Jupyter as the last expression of a cell
figure

# %% [markdown]
# The next screen: five knockouts ranked by consensus coverage of the genes measured so far.

# %%
next_screen = mechpert.design(screen, budget=5, strategy="consensus", agents=AGENTS, progress=False)
print(next_screen)
