#!/usr/bin/env python3
"""Reference centralities from independent implementations, for tests/priors.rs.

Reads the shared STRING and CollecTRI graphs exactly as mechpert's loaders do (re-implemented
here: alias resolution with the repository's embedded gene_symbols.tsv.gz, COMPLEX:A_B expansion,
self-loops dropped, duplicate edges merged by max weight, STRING weight combined_score/1000,
CollecTRI weight 1 - exp(-(curation_effort + n_sources)/4)) and computes with networkx 3.4.2:
degree / strength, pagerank(weight), eigenvector_centrality(weight), katz_centrality(weight,
alpha = 0.9 / min(max in-strength, max out-strength)), and, on CollecTRI, closeness_centrality
and betweenness_centrality(normalized). On STRING, closeness and betweenness come from
python-igraph 0.11.8 (C; networkx would take hours), scaled to networkx's definitions.

Output: tests/fixtures/reference/centrality_<graph>.tsv.gz: `#` lines with nodes, edges, katz
alpha and versions; then `gene<TAB>measure…` for the union of every measure's top 200 and 1,500
genes sampled with seed 0 (the Spearman inputs). Scores have 10 significant digits.

Usage: python3 experiments/reference/centrality_networkx.py [--data ../shared/data]
Creates a throwaway venv with pinned packages and re-runs itself inside it.
"""
import argparse, gzip, math, os, random, subprocess, sys, tempfile, time

PINS = ["numpy==2.1.3", "scipy==1.14.1", "networkx==3.4.2", "igraph==0.11.8"]
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "fixtures", "reference")
TOP, SAMPLE = 200, 1500


def symbols():
    table = {}
    with gzip.open(os.path.join(REPO, "experiments/data/embedded/gene_symbols.tsv.gz"), "rt") as f:
        for line in f:
            if line.startswith("#") or line.startswith("name\t") or not line.strip():
                continue
            name, symbol, kind = line.rstrip("\n").split("\t")
            key = name.upper()
            if table.get(key, (None, None))[1] == "official":
                continue
            table[key] = (symbol, kind)
    return lambda n: table.get(n.strip().upper(), (n.strip(), None))[0]


def members(name, resolve):
    if name.startswith("COMPLEX:"):
        parts = [resolve(m) for m in name[len("COMPLEX:"):].split("_") if m.strip()]
        return list(dict.fromkeys(parts))
    return [resolve(name)]


def read_edges(path, cols, weight, resolve, directed):
    edges = {}
    with gzip.open(path, "rt") as f:
        header = f.readline().rstrip("\n").split("\t")
        ix = {c: header.index(c) for c in cols}
        for line in f:
            r = line.rstrip("\n").split("\t")
            w = weight(r, ix)
            for a in members(r[ix[cols[0]]], resolve):
                for b in members(r[ix[cols[1]]], resolve):
                    if a == b:
                        continue
                    key = (a, b) if directed or a < b else (b, a)
                    edges[key] = max(edges.get(key, 0.0), w)
    return edges


def compute(name, edges, directed):
    import networkx as nx, igraph as ig
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_weighted_edges_from((a, b, w) for (a, b), w in edges.items())
    nodes = sorted(G.nodes())
    out, t = {}, time.time()
    if directed:
        out["in-degree"] = dict(G.in_degree())
        out["out-degree"] = dict(G.out_degree())
        out["weighted-in-degree"] = dict(G.in_degree(weight="weight"))
        out["weighted-out-degree"] = dict(G.out_degree(weight="weight"))
        s_in = max(d for _, d in G.in_degree(weight="weight"))
        s_out = max(d for _, d in G.out_degree(weight="weight"))
    else:
        out["degree"] = dict(G.degree())
        out["weighted-degree"] = dict(G.degree(weight="weight"))
        s_in = s_out = max(d for _, d in G.degree(weight="weight"))
    alpha = 0.9 / min(s_in, s_out)
    out["pagerank"] = nx.pagerank(G, alpha=0.85, weight="weight", tol=1e-6, max_iter=100)
    try:
        out["eigenvector"] = nx.eigenvector_centrality(G, weight="weight", max_iter=100, tol=1e-6)
    except nx.PowerIterationFailedConvergence:
        print(f"{name}: eigenvector did not converge in 100 iterations; left out", file=sys.stderr)
    out["katz"] = nx.katz_centrality(G, alpha=alpha, beta=1.0, weight="weight", max_iter=1000, tol=1e-6)
    print(f"{name}: degree, pagerank, eigenvector, katz in {time.time() - t:.1f}s", file=sys.stderr)
    t = time.time()
    n = G.number_of_nodes()
    if directed:
        out["closeness"] = nx.closeness_centrality(G)
        out["betweenness"] = nx.betweenness_centrality(G, normalized=True)
        how = "networkx"
    else:
        index = {v: i for i, v in enumerate(nodes)}
        g = ig.Graph(n=n, edges=[(index[a], index[b]) for a, b in G.edges()], directed=False)
        # igraph: (r-1)/sum over the reachable; networkx adds the factor (r-1)/(n-1).
        comp = g.connected_components()
        size = {v: len(c) for c in comp for v in c}
        clo = g.closeness(mode="all", normalized=True)
        out["closeness"] = {v: (0.0 if math.isnan(clo[i]) else clo[i] * (size[i] - 1) / (n - 1))
                            for v, i in index.items()}
        btw = g.betweenness(directed=False)  # each unordered pair once
        out["betweenness"] = {v: 2.0 * btw[i] / ((n - 1) * (n - 2)) for v, i in index.items()}
        how = "igraph"
    print(f"{name}: closeness, betweenness ({how}) in {time.time() - t:.1f}s", file=sys.stderr)
    return G, nodes, out, alpha


def write(name, G, nodes, out, alpha):
    keep = set(random.Random(0).sample(nodes, min(SAMPLE, len(nodes))))
    for scores in out.values():
        keep.update(sorted(scores, key=lambda v: (-scores[v], v))[:TOP])
    measures = list(out)
    import networkx, igraph
    lines = [
        f"# graph={name} nodes={G.number_of_nodes()} edges={G.number_of_edges()} katz_alpha={alpha!r}",
        f"# networkx {networkx.__version__}, igraph {igraph.__version__}; rows: top {TOP} per measure + {SAMPLE} sampled (seed 0)",
        "gene\t" + "\t".join(measures),
    ]
    for v in sorted(keep):
        lines.append(v + "\t" + "\t".join(f"{float(out[m][v]):.10g}" for m in measures))
    path = os.path.join(OUT, f"centrality_{name}.tsv.gz")
    with open(path + ".tmp", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(("\n".join(lines) + "\n").encode())
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {len(keep)} genes x {len(measures)} measures", file=sys.stderr)


def inside(data):
    resolve = symbols()
    string = read_edges(os.path.join(data, "priors/string_v12_edges.tsv.gz"), ["symbol_a", "symbol_b", "combined_score"],
                        lambda r, ix: float(r[ix["combined_score"]]) / 1000.0, resolve, False)
    string = {k: w for k, w in string.items() if w > 0}
    collectri = read_edges(os.path.join(data, "priors/collectri_edges.tsv.gz"),
                           ["source", "target", "curation_effort", "n_sources"],
                           lambda r, ix: 1.0 - math.exp(-(float(r[ix["curation_effort"]] or 0) + float(r[ix["n_sources"]] or 0)) / 4.0),
                           resolve, True)
    os.makedirs(OUT, exist_ok=True)
    for name, edges, directed in [("collectri", collectri, True), ("string", string, False)]:
        write(name, *compute(name, edges, directed))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        return inside(os.path.abspath(args.data))
    with tempfile.TemporaryDirectory() as work:
        venv = os.path.join(work, "venv")
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        py = os.path.join(venv, "bin", "python")
        subprocess.run([py, "-m", "pip", "install", "-q", *PINS], check=True)
        subprocess.run([py, os.path.abspath(__file__), "--inside", "--data", args.data], check=True)


if __name__ == "__main__":
    main()
