"""The commands as functions: an in-memory screen gives the same tables as the binary given the
file, errors arrive as exceptions with the binary's messages, the GIL is released while a plan
runs, and Ctrl-C stops it at a round boundary with a checkpoint to resume."""

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import mechpert
from conftest import AGENTS, RENGE

# A small plan on the Renge screen: every strategy kind (knowledge, centrality, random, model).
PLAN = {
    "strategies": ["consensus", "degree", "random", "uncertainty"],
    "initial": "random:3",
    "rounds": 3,
    "batch": 3,
    "seeds": 3,
    "threads": 1,
    "graph": "collectri",
}
PLAN_FLAGS = [
    "--strategies", "consensus,degree,random,uncertainty", "--initial", "random:3",
    "--rounds", "3", "--batch", "3", "--seeds", "3", "--threads", "1",
    "--graph", "collectri",
]


def test_plan_on_an_in_memory_screen_matches_the_binary_on_the_file(renge, cli, tmp_path):
    cli("plan", "--data", RENGE, "--agents", AGENTS, *PLAN_FLAGS, "--out", tmp_path / "cli")
    screen = mechpert.Screen.from_anndata(renge)
    result = mechpert.plan(PLAN, screen=screen, agents=AGENTS, progress=False)
    result.write(tmp_path / "py")
    for table in ["rounds.csv", "picks.csv"]:
        assert (tmp_path / "py" / table).read_text() == (tmp_path / "cli" / table).read_text(), table
    rounds = result.rounds
    assert list(rounds.columns) == ["strategy", "seed", "round", "n_observed", "predictor", "metric", "value"]
    # 4 strategies × 3 seeds × (the initial set + 3 rounds), each with the same metric rows.
    per_round = rounds.groupby(["strategy", "seed", "round"]).size()
    assert len(per_round) == 4 * 3 * 4 and per_round.nunique() == 1
    assert sorted(rounds["n_observed"].unique()) == [3, 6, 9, 12]
    assert set(result.picks["strategy"]) == set(PLAN["strategies"])
    assert result.summary.startswith("#")
    figure = result.figure("pearson_delta")
    assert figure._repr_svg_().lstrip().startswith("<svg") or "<svg" in figure.text[:200]


def test_a_config_file_and_the_same_dict_give_the_same_tables(cli, tmp_path):
    config = dict(PLAN, screen=[{"file": str(RENGE), "agents": str(AGENTS)}])
    toml = "\n".join(
        f"{k} = {v!r}".replace("'", '"') for k, v in PLAN.items()
    ) + f'\n[[screen]]\nfile = "{RENGE}"\nagents = "{AGENTS}"\n'
    (tmp_path / "plan.toml").write_text(toml)
    cli("plan", "--config", tmp_path / "plan.toml", "--out", tmp_path / "cli")
    from_dict = mechpert.plan(config, progress=False)
    from_path = mechpert.plan(tmp_path / "plan.toml", progress=False)
    expected = pd.read_csv(tmp_path / "cli" / "rounds.csv")
    pd.testing.assert_frame_equal(from_dict.rounds, expected)
    pd.testing.assert_frame_equal(from_path.rounds, expected)


def test_consensus_and_evaluate_match_the_binary(renge, cli, tmp_path):
    cli("consensus", "--data", RENGE, "--agents", AGENTS, "--out", tmp_path / "n.tsv")
    screen = mechpert.Screen.from_anndata(renge)
    edges = mechpert.consensus(screen, agents=AGENTS, progress=False)
    pd.testing.assert_frame_equal(
        edges, pd.read_csv(tmp_path / "n.tsv", sep="\t", keep_default_na=False, na_values=[""])
    )
    assert len(edges) > 0

    flags = ["--observed", "8", "--draws", "3", "--predictors", "mean,similarity,consensus"]
    cli("evaluate", "--data", RENGE, "--neighbours", tmp_path / "n.tsv", *flags, "--out", tmp_path / "ev")
    ev = mechpert.evaluate(
        renge, neighbours=edges, observed=8, draws=3,
        predictors=["mean", "similarity", "consensus"], predictions=True, progress=False,
    )
    assert ev.metrics.to_csv(index=False) == pd.read_csv(tmp_path / "ev" / "metrics.csv").to_csv(index=False)
    assert set(ev.metrics["predictor"]) >= {"mean", "similarity"}
    assert ev.predictions is not None and ev.predictions.n_vars == 103
    assert "|" in ev.summary


def test_design_and_score(renge, cli, tmp_path):
    cli("design", "--data", RENGE, "--budget", "5", "--graph", "collectri",
        "--strategy", "degree", "--out", tmp_path / "next.csv")
    picked = mechpert.design(renge, budget=5, strategy="degree", graph="collectri", progress=False)
    pd.testing.assert_frame_equal(picked, pd.read_csv(tmp_path / "next.csv", keep_default_na=False, na_values=[""]))
    assert len(picked) == 5

    screen = mechpert.Screen.from_anndata(renge)
    scores = mechpert.score(screen, screen, metrics=["pearson_delta"], progress=False)
    assert list(scores.columns) == ["perturbation", "metric", "value"]
    assert len(scores) == 23
    assert scores["value"].min() > 0.999


def test_errors_are_exceptions_with_the_binary_messages(renge):
    screen = mechpert.Screen.from_anndata(renge)
    with pytest.raises(mechpert.ConfigError, match="unknown strategy `central`"):
        mechpert.plan(dict(PLAN, strategies=["central"]), screen=screen, agents=AGENTS, progress=False)
    with pytest.raises(mechpert.ConfigError, match="config: line 1: unknown field `round`"):
        mechpert.plan({"round": 3}, screen=screen, progress=False)
    with pytest.raises(mechpert.ConfigError, match="--agents no/such/agents.toml: cannot read"):
        mechpert.consensus(screen, agents="no/such/agents.toml", progress=False)
    with pytest.raises(mechpert.DataError, match="no/such/screen.h5ad: cannot read"):
        mechpert.Screen.read("no/such/screen.h5ad")


def test_the_gil_is_released_while_a_plan_runs(renge):
    screen = mechpert.Screen.from_anndata(renge)
    ticks: list[float] = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        start = time.monotonic()
        mechpert.plan(dict(PLAN, seeds=6), screen=screen, agents=AGENTS, progress=False)
        end = time.monotonic()
    finally:
        done.set()
        thread.join()
    # The middle half of the call is spent in Rust; a thread holding no GIL keeps ticking there.
    quarter = (end - start) / 4
    during = [t for t in ticks if start + quarter < t < end - quarter]
    assert end - start > 0.1, "the plan was too quick to tell"
    assert len(during) >= 10, f"{len(during)} ticks in {2 * quarter:.2f} s"


def test_ctrl_c_stops_at_a_round_boundary_and_resumes(renge, tmp_path):
    screen = mechpert.Screen.from_anndata(renge)
    longer = dict(PLAN, rounds=6, seeds=4, test_fraction=0, strategies=["consensus", "degree", "random", "uncertainty"])
    whole = mechpert.plan(longer, screen=screen, agents=AGENTS, progress=False)
    out = tmp_path / "int"
    first_job = out / ".checkpoint" / "consensus-seed1.json"

    def interrupt():
        deadline = time.monotonic() + 60
        while not first_job.exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(os.getpid(), signal.SIGINT)

    killer = threading.Thread(target=interrupt)
    killer.start()
    try:
        mechpert.plan(longer, screen=screen, agents=AGENTS, out=out, progress=False)
        finished = True
    except KeyboardInterrupt as stopped:
        finished = False
        assert "every finished round is checkpointed" in str(stopped) or (out / ".checkpoint").is_dir()
    killer.join()
    assert not finished, "the run finished before the signal arrived: make it longer"
    assert not (out / "rounds.csv").exists()
    resumed = mechpert.plan(screen=screen, resume=out, progress=False)
    pd.testing.assert_frame_equal(resumed.rounds, whole.rounds)
    pd.testing.assert_frame_equal(resumed.picks, whole.picks)


def test_the_example_notebook_runs_end_to_end():
    import runpy

    from conftest import REPO

    names = runpy.run_path(str(REPO / "examples/notebook.py"))
    assert len(names["next_screen"]) == 5
    assert "<svg" in names["figure"].text
    assert set(names["result"].rounds["strategy"]) == {"consensus", "degree", "random"}
