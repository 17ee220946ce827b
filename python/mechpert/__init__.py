"""mechpert plans Perturb-seq screens from a notebook: it predicts the transcriptional response of
genes nobody perturbed yet from the few that were, and chooses which genes to perturb next.

The same Rust library as the ``mechpert`` binary, with AnnData objects in and pandas and AnnData
objects out::

    import mechpert
    screen = mechpert.Screen.from_anndata(adata, perturbation_key="gene", control="non-targeting")
    result = mechpert.plan({"strategies": ["anchors", "random"], "graph": "collectri"}, screen=screen)
    result.rounds                      # a DataFrame, as rounds.csv
    mechpert.design(screen, budget=20, strategy="anchors", graph="collectri")

Keyword arguments are the binary's flags with underscores (``perturbation_key=``, ``graph=``,
``agents=``, ``seed=``…); ``help(mechpert.plan)`` lists them. Errors are
:class:`DataError` (the data) and :class:`ConfigError` (the arguments), with the binary's
messages.
"""

from ._mechpert import ConfigError, DataError, InternalError, MechpertError
from ._screen import Screen
from ._commands import SVG, Evaluation, PlanResult, consensus, design, evaluate, plan, score

__all__ = [
    "ConfigError",
    "DataError",
    "Evaluation",
    "InternalError",
    "MechpertError",
    "PlanResult",
    "SVG",
    "Screen",
    "consensus",
    "design",
    "evaluate",
    "plan",
    "score",
]
