#!/usr/bin/env python3
"""Derive mechpert's embedded gene-symbol table from Debian's r-bioc-org.hs.eg.db.

Source  : Debian package `r-bioc-org.hs.eg.db` 3.16.0-1 (Bioconductor org.Hs.eg.db, NCBI Gene
          2022-09-12), file extdata/org.Hs.eg.sqlite. Licence Artistic-2.0.
Output  : embedded/gene_symbols.tsv.gz with columns `name, symbol, kind`:
          kind = official (name is the official symbol), alias (previous symbol or synonym) or
          ensembl (an Ensembl gene id). Aliases that name more than one official symbol and
          aliases that equal another gene's official symbol are dropped: they cannot be resolved
          without context, so mechpert keeps such names as they are.
Usage   : python3 experiments/data/derive_gene_symbols.py [--deb FILE] (needs apt-get and dpkg-deb
          unless --deb is given). Output is byte-identical across runs (sorted, gzip mtime 0).
"""
import argparse, collections, glob, gzip, io, os, sqlite3, subprocess, sys, tempfile

PACKAGE, VERSION = "r-bioc-org.hs.eg.db", "3.16.0-1"
HERE = os.path.dirname(os.path.abspath(__file__))


def fetch_sqlite(work, deb):
    if deb is None:
        subprocess.run(["apt-get", "download", f"{PACKAGE}={VERSION}"], cwd=work, check=True)
        deb = glob.glob(os.path.join(work, f"{PACKAGE}_*.deb"))[0]
    subprocess.run(["dpkg-deb", "-x", deb, os.path.join(work, "x")], check=True)
    return glob.glob(os.path.join(work, "x", "**", "org.Hs.eg.sqlite"), recursive=True)[0]


def derive(db):
    con = sqlite3.connect(db)
    official = dict(con.execute("select _id, symbol from gene_info"))
    symbols = set(official.values())
    aliases = collections.defaultdict(set)
    for _id, alias in con.execute("select _id, alias_symbol from alias"):
        aliases[alias.upper()].add(official[_id])
    ensembl = collections.defaultdict(set)
    for _id, ens in con.execute("select _id, ensembl_id from ensembl"):
        ensembl[ens.upper()].add(official[_id])
    upper_official = {s.upper() for s in symbols}
    rows = {(s, s, "official") for s in symbols}
    dropped = 0
    for alias, targets in aliases.items():
        if alias in upper_official:
            continue  # an official symbol always wins over another gene's alias
        if len(targets) == 1:
            rows.add((alias, next(iter(targets)), "alias"))
        else:
            dropped += 1
    for ens, targets in ensembl.items():
        if len(targets) == 1:
            rows.add((ens, next(iter(targets)), "ensembl"))
    return sorted(rows), dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deb", help="an already downloaded .deb of the package")
    ap.add_argument("--out", default=os.path.join(HERE, "embedded", "gene_symbols.tsv.gz"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        rows, dropped = derive(fetch_sqlite(work, args.deb))
    buf = io.StringIO()
    buf.write(f"# source: Debian {PACKAGE} {VERSION} (org.Hs.eg.db, NCBI Gene 2022-09-12), Artistic-2.0\n")
    buf.write("name\tsymbol\tkind\n")
    for r in rows:
        buf.write("\t".join(r) + "\n")
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue().encode())
    os.replace(tmp, args.out)
    kinds = collections.Counter(k for _, _, k in rows)
    print(f"wrote {args.out}: {dict(kinds)}; {dropped} ambiguous aliases dropped", file=sys.stderr)


if __name__ == "__main__":
    main()
