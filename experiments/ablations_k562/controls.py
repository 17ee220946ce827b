#!/usr/bin/env python3
"""Derived consensus tables for the controls (standard library only).

  controls.py shuffle IN.tsv OUT.tsv SEED     every neighbour name mapped through one random
                                              permutation of the genes of the table: the agents'
                                              answers now name random genes, weights and vote
                                              counts unchanged (shuffled-label control)
  controls.py symmetrise IN.tsv OUT.tsv       each edge n → t also as t → n (an existing reverse
                                              edge keeps the larger weight): the consensus read
                                              undirected

Input and output are `mechpert consensus` tables: target, neighbour, weight, votes, agents.
"""
import csv
import random
import sys


def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f, delimiter="\t")
        header = next(r)
        return header, [row for row in r]


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def shuffle(rows, seed):
    genes = sorted({row[0] for row in rows} | {row[1] for row in rows})
    image = genes[:]
    random.Random(seed).shuffle(image)
    pi = dict(zip(genes, image))
    out, seen = [], set()
    for t, n, *rest in rows:
        m = pi[n]
        if m != t and (t, m) not in seen:  # a permuted self-edge or duplicate is dropped
            seen.add((t, m))
            out.append([t, m, *rest])
    return out


def symmetrise(rows):
    best = {}
    for t, n, *rest in rows:
        for key in ((t, n), (n, t)):
            if key not in best or float(rest[0]) > float(best[key][0]):
                best[key] = rest
    return [[t, n, *rest] for (t, n), rest in sorted(best.items())]


def main():
    mode, src, dst = sys.argv[1:4]
    header, rows = read(src)
    if mode == "shuffle":
        rows = shuffle(rows, int(sys.argv[4]))
    elif mode == "symmetrise":
        rows = symmetrise(rows)
    else:
        sys.exit(f"unknown mode {mode!r}: expected shuffle or symmetrise")
    write(dst, header, rows)


if __name__ == "__main__":
    main()
