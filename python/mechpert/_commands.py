"""The binary's commands as functions: keyword arguments are its flags with underscores, a
:class:`~mechpert.Screen` or AnnData object stands where it takes a screen file, and its output
tables come back as pandas DataFrames. Each call runs the binary's own code in this process
(``mechpert._mechpert.run``), so the same inputs give the same tables through both fronts."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from . import _mechpert
from ._flags import screen_options, to_flags
from ._screen import Screen

ScreenLike = Any  # Screen, an AnnData object, or a path to a screen file


def _run(command: str, argv: list[str], progress: bool, screen: Screen | None = None) -> str:
    """Runs `mechpert [--quiet] COMMAND ARGV…` in this process (the GIL released) and returns
    what it printed; `screen` stands for the file its `--data` names."""
    prefix = [] if progress else ["--quiet"]
    return _mechpert.run(prefix + [command] + argv, None if screen is None else screen._inner)


def _data(screen: ScreenLike, options: dict[str, Any], name: str) -> tuple[list[str], Screen | None]:
    """The `--data` arguments and the screen handed over in memory: a path goes to the binary
    with the screen options as flags; a Screen (or an AnnData object, read here with the screen
    options) is handed over as read, `name` standing for its file in messages and summaries."""
    if isinstance(screen, (str, os.PathLike)):
        return ["--data", os.fspath(screen), *to_flags(**options)], None
    if not isinstance(screen, Screen):
        screen = Screen.from_anndata(screen, **options)
    return ["--data", name], screen


def _read_table(path: Path) -> pd.DataFrame:
    sep = "\t" if path.suffix in (".tsv", ".txt") else ","
    return pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""])


class SVG:
    """An SVG figure; Jupyter displays it, ``str()`` gives its text, :meth:`save` writes it."""

    def __init__(self, text: str, name: str):
        self.text = text
        self.name = name

    def _repr_svg_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def save(self, path: str | os.PathLike) -> None:
        """Writes the SVG text to `path`."""
        Path(path).write_text(self.text, encoding="utf-8")

    def __repr__(self) -> str:
        return f"SVG({self.name!r}, {len(self.text)} characters)"


class _Files:
    """The files of a run's output folder, kept in memory so nothing outlives the call unless
    asked (``out=`` or :meth:`write`)."""

    def __init__(self, folder: Path):
        self._files: dict[str, bytes] = {}
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(p.startswith(".") for p in relative.parts):
                self._files[relative.as_posix()] = path.read_bytes()

    def names(self) -> list[str]:
        return list(self._files)

    def text(self, name: str) -> str:
        return self._files[name].decode("utf-8")

    def table(self, name: str) -> pd.DataFrame:
        sep = "\t" if name.endswith((".tsv", ".txt")) else ","
        return pd.read_csv(io.BytesIO(self._files[name]), sep=sep, keep_default_na=False, na_values=[""])

    def write(self, folder: str | os.PathLike) -> Path:
        folder = Path(folder)
        for name, data in self._files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return folder


class PlanResult:
    """The outcome of :func:`plan` for one screen: the tables the binary writes as rounds.csv and
    picks.csv, its summary.md, and its figures."""

    def __init__(self, folder: Path, screen: str, printed: str):
        self._files = _Files(folder)
        self.screen = screen
        self.printed = printed
        self.rounds: pd.DataFrame = self._files.table("rounds.csv")
        """Per strategy, seed and round: what was observed and every metric (rounds.csv)."""
        self.picks: pd.DataFrame = self._files.table("picks.csv")
        """Per strategy, seed and round: the perturbations picked, in order (picks.csv)."""
        self.summary: str = self._files.text("summary.md")
        """The verdict and tables as markdown (summary.md)."""

    def figures(self) -> list[str]:
        """The figure names: ``learning_<metric>`` and ``final_<metric>``."""
        return [n[:-4] for n in self._files.names() if n.endswith(".svg")]

    def figure(self, metric: str = "pearson_delta", kind: str = "learning") -> SVG:
        """The SVG figure of `metric`: ``kind="learning"`` (the metric per round, mean ± 95 % CI
        over seeds, one line per strategy) or ``"final"`` (after the last round)."""
        name = f"{kind}_{metric}"
        if f"{name}.svg" not in self._files.names():
            raise _mechpert.ConfigError(
                f"no figure `{name}`: the figures are {', '.join(self.figures())}"
            )
        return SVG(self._files.text(f"{name}.svg"), name)

    def write(self, folder: str | os.PathLike) -> Path:
        """Writes every output file (tables, summary, figures, config, run.json) into `folder`."""
        return self._files.write(folder)

    def _repr_markdown_(self) -> str:
        return self.summary

    def __repr__(self) -> str:
        return f"PlanResult({self.screen!r}: {len(self.rounds)} rounds rows, {len(self.picks)} picks)"


def plan(
    config: str | os.PathLike | Mapping[str, Any] | None = None,
    screen: ScreenLike | None = None,
    out: str | os.PathLike | None = None,
    progress: bool = True,
    name: str = "screen",
    **flags: Any,
) -> PlanResult | dict[str, PlanResult]:
    """Runs the budgeted design loop, as ``mechpert plan``: per strategy and seed, pick a batch of
    perturbations, observe them (held-out data revealed by a sealed oracle), refit the predictor
    and score the perturbations never picked; every round checkpointed.

    ``config`` is a plan TOML path or a dict with the TOML's keys (relative paths in a dict start
    from the current folder). ``screen`` (a :class:`Screen`, an AnnData object or a path) replaces
    the config's screens, as ``--data`` (``name`` names an in-memory screen). ``out`` keeps the output folder (else nothing is written
    that outlives the call). Other keyword arguments are ``mechpert plan``'s flags with
    underscores: ``strategies=["anchors", "random"]``, ``predictor="consensus:shrunk"``,
    ``agents=``, ``graph="collectri"``, ``initial="random:10"``, ``rounds=``, ``batch=``,
    ``seeds=``, ``metrics=``, ``threads=``, ``resume=DIR``, ``force=True``, and the screen flags.

    The GIL is released while it runs. Ctrl-C (KeyboardInterrupt) stops at the next round
    boundary; with ``out`` given, ``plan(resume=out)`` continues from there.

    Returns a :class:`PlanResult` (``.rounds``, ``.picks``, ``.summary``, ``.figure(metric)``,
    ``.write(dir)``), or a dict of them by screen name when the config has several screens.

    >>> result = mechpert.plan({"strategies": ["random", "degree"], "graph": "collectri",
    ...                         "rounds": 3, "batch": 5, "seeds": 3}, screen=screen)
    >>> result.rounds.groupby(["strategy", "round"])["pearson_delta"].mean()
    """
    scratch = Path(tempfile.mkdtemp(prefix="mechpert-plan-"))
    try:
        options = screen_options(flags)
        argv: list[str] = []
        if isinstance(config, Mapping):
            path = scratch / "plan.toml"
            path.write_text(
                _mechpert.plan_config(json.dumps(dict(config)), os.getcwd()), encoding="utf-8"
            )
            argv += ["--config", os.fspath(path)]
        elif config is not None:
            argv += ["--config", os.fspath(config)]
        handed = None
        if screen is not None:
            data, handed = _data(screen, options, name)
            # A resumed run names its screen in its checkpoint; an in-memory one is handed again.
            argv += data if flags.get("resume") is None or handed is None else []
        else:
            argv += to_flags(**options)
        folder = Path(out) if out is not None else scratch / "out"
        if flags.get("resume") is None:
            argv += ["--out", os.fspath(folder)]
        else:
            folder = Path(flags["resume"])
        printed = _run("plan", argv + to_flags(**flags), progress, handed)
        if (folder / "rounds.csv").is_file():
            return PlanResult(folder, folder.name, printed)
        return {
            d.name: PlanResult(d, d.name, printed)
            for d in sorted(folder.iterdir())
            if (d / "rounds.csv").is_file()
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def consensus(
    screen: ScreenLike,
    agents: str | os.PathLike,
    progress: bool = True,
    **flags: Any,
) -> pd.DataFrame:
    """Asks the agents of ``agents`` (a TOML path) for each measured gene's upstream regulators
    and keeps those they agree on, as ``mechpert consensus``: a DataFrame with one row per edge
    (the columns of neighbourhoods.tsv). Other keyword arguments are its flags with underscores:
    ``tau=``, ``weighting=``, ``cache=``, ``offline=True``, ``targets=``, ``hubs=``, the screen
    flags.

    >>> edges = mechpert.consensus(screen, agents="agents/knowledge_bundled.toml")
    """
    scratch = Path(tempfile.mkdtemp(prefix="mechpert-consensus-"))
    try:
        data, handed = _data(screen, screen_options(flags), "screen")
        out = scratch / "neighbourhoods.tsv"
        argv = data + ["--agents", os.fspath(agents), "--out", os.fspath(out)]
        _run("consensus", argv + to_flags(**flags), progress, handed)
        return _read_table(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Evaluation:
    """The outcome of :func:`evaluate`: ``.metrics`` (tidy: one row per draw, predictor, metric),
    ``.summary`` (markdown: mean ± 95 % CI and the paired test against the training mean),
    ``.predictions`` (AnnData of the first draw's predictions, when asked), figures."""

    def __init__(self, folder: Path, summary: str, predictions: Any):
        self._files = _Files(folder)
        self.metrics: pd.DataFrame = self._files.table("metrics.csv")
        self.summary: str = summary
        self.predictions = predictions

    def figure(self, metric: str = "pearson_delta") -> SVG:
        """The SVG of `metric` per predictor (mean ± 95 % CI over draws)."""
        name = f"predictors_{metric}"
        return SVG(self._files.text(f"{name}.svg"), name)

    def write(self, folder: str | os.PathLike) -> Path:
        """Writes every output file into `folder`."""
        return self._files.write(folder)

    def _repr_markdown_(self) -> str:
        return self.summary


def evaluate(
    screen: ScreenLike,
    out: str | os.PathLike | None = None,
    predictions: bool = False,
    progress: bool = True,
    name: str = "screen",
    **flags: Any,
) -> Evaluation:
    """The few-shot benchmark, as ``mechpert evaluate``: random observed sets of ``observed``
    perturbations (``draws`` times), every predictor, the field's metrics. Keyword arguments are
    its flags with underscores: ``observed=50``, ``draws=10``, ``seed=1``,
    ``predictors=["mean", "similarity"]``, ``neighbours=`` (a path or a DataFrame from
    :func:`consensus`), ``agents=``, ``graph=``, the screen flags. ``predictions=True`` returns
    the first draw's predictions as AnnData.

    >>> ev = mechpert.evaluate(screen, observed=10, draws=3, graph="collectri")
    >>> ev.metrics.groupby(["predictor", "metric"])["value"].mean()
    """
    import anndata

    scratch = Path(tempfile.mkdtemp(prefix="mechpert-evaluate-"))
    try:
        data, handed = _data(screen, screen_options(flags), name)
        if isinstance(flags.get("neighbours"), pd.DataFrame):
            path = scratch / "neighbourhoods.tsv"
            flags["neighbours"].to_csv(path, sep="\t", index=False)
            flags["neighbours"] = path
        folder = Path(out) if out is not None else scratch / "out"
        argv = data + ["--out", os.fspath(folder)]
        pred_dir = scratch / "predictions"
        if predictions:
            argv += ["--predictions", os.fspath(pred_dir)]
        summary = _run("evaluate", argv + to_flags(**flags), progress, handed)
        adata = None
        if predictions:
            first = sorted(pred_dir.rglob("*.h5ad"))
            adata = anndata.read_h5ad(first[0]) if first else None
        return Evaluation(folder, summary, adata)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def design(
    screen: ScreenLike | None = None,
    budget: int = 10,
    strategy: str | list[str] | None = None,
    progress: bool = True,
    **flags: Any,
) -> pd.DataFrame:
    """The next screen's perturbations, as ``mechpert design``: ``budget`` genes chosen by
    ``strategy`` (default ``auto``: with a screen so far, the winner of a backtest replayed
    inside it; without, ``anchors``; a list gives one block of ranks each) from the screen so
    far (None: a first screen from knowledge alone). A DataFrame as next_screen.csv. Keyword arguments are its flags with underscores: ``candidates=``,
    ``exclude=``, ``agents=``, ``graph=``, ``predictor=``, ``seed=``, the screen flags.

    >>> mechpert.design(screen, budget=20, strategy="anchors", graph="collectri")
    """
    scratch = Path(tempfile.mkdtemp(prefix="mechpert-design-"))
    try:
        options = screen_options(flags)
        argv = ["--budget", str(budget)]
        handed = None
        if screen is not None:
            data, handed = _data(screen, options, "screen")
            argv += data
        else:
            argv += to_flags(**options)
        out = scratch / "next_screen.csv"
        argv += ["--out", os.fspath(out)]
        argv += to_flags(strategy=[strategy] if isinstance(strategy, str) else strategy)
        _run("design", argv + to_flags(**flags), progress, handed)
        return _read_table(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def score(pred: ScreenLike, real: ScreenLike, progress: bool = True, **flags: Any) -> pd.DataFrame:
    """Scores predictions against a measured screen (each relative to its own control), as
    ``mechpert score``: a DataFrame (perturbation, metric, value) over the perturbations both
    hold. Each is a path, an AnnData object or a :class:`Screen`; ``metrics=[...]`` picks the
    metrics and the screen flags apply to both. The binary reads two screen files, so objects
    are written into a private folder for the call (an AnnData object as itself, a Screen as
    pseudo-bulk) and read back by the binary's own reader.

    >>> mechpert.score(ev.predictions, real_adata, metrics=["pearson_delta"])
    """
    scratch = Path(tempfile.mkdtemp(prefix="mechpert-score-"))
    try:
        paths = []
        for name, screen in (("pred", pred), ("real", real)):
            if isinstance(screen, (str, os.PathLike)):
                paths.append(os.fspath(screen))
                continue
            path = scratch / f"{name}.h5ad"
            if isinstance(screen, Screen):
                screen.write(path)
            else:
                screen.write_h5ad(path)
            paths.append(os.fspath(path))
        out = scratch / "scores.csv"
        argv = ["--pred", paths[0], "--real", paths[1], "--out", os.fspath(out)]
        _run("score", argv + to_flags(**flags), progress)
        return _read_table(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
