#!/usr/bin/env python3
"""Sub-panels of the dense knowledge panel for run.sh (standard library only).

  panels.py DENSE_TOML OUT_DIR SEED

writes into OUT_DIR one agents TOML per panel, each with the dense panel's settings (question,
k, τ 1, sum-over-agents) and a subset of its 8 resources, agent order kept:
  without-<name>.toml   the 7 resources other than <name> (leave-one-resource-out)
  only-<name>.toml      <name> alone (1 agent)
  agents2-<i>.toml, agents4-<i>.toml   i = 1…4: random subsets of 2 and 4 resources drawn
                        with random.Random(SEED).sample (distinct subsets per size)
and prints the panel names, one per line. Relative paths in the agents' graph specs are
rewritten to start from OUT_DIR.
"""
import json
import os
import pathlib
import random
import sys
import tomllib


def spec_from(spec, src, dst):
    """A `kind:path` graph spec whose relative path is rebased from folder src to dst."""
    kind, sep, path = spec.partition(":")
    if not sep or os.path.isabs(path):
        return spec
    return f"{kind}:{os.path.relpath(os.path.join(src, path), dst)}"


def write(panel, agents, out, src, header):
    lines = [f"# {header}, written by experiments/ablations_k562/panels.py from the dense panel"]
    lines += [f"{key} = {json.dumps(panel[key])}" for key in ("cell_context", "question", "k")]
    lines += ["", "[consensus]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in panel["consensus"].items()]
    for agent in agents:
        lines += ["", "[[agent]]"]
        for key, value in agent.items():
            if key == "graph":
                value = spec_from(value, src, out)
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def main():
    dense, out, seed = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
    panel = tomllib.loads(dense.read_text())
    agents = panel["agent"]
    names = [a["name"] for a in agents]
    out.mkdir(parents=True, exist_ok=True)
    panels = {}
    for a in agents:
        panels[f"without-{a['name']}"] = ([b for b in agents if b is not a], f"without {a['name']}")
    for a in agents:
        panels[f"only-{a['name']}"] = ([a], f"{a['name']} alone")
    rng = random.Random(seed)
    for size in (2, 4):
        drawn = []
        while len(drawn) < 4:
            subset = sorted(rng.sample(range(len(agents)), size))
            if subset not in drawn:
                drawn.append(subset)
        for i, subset in enumerate(drawn, 1):
            panels[f"agents{size}-{i}"] = (
                [agents[j] for j in subset],
                f"{size} random resources (seed {seed}, draw {i}): {', '.join(names[j] for j in subset)}",
            )
    for name, (members, header) in panels.items():
        (out / f"{name}.toml").write_text(write(panel, members, out, dense.parent, header))
        print(name)


if __name__ == "__main__":
    main()
