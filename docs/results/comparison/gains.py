#!/usr/bin/env python3
"""Paired gains over random at one K from a `uga simulate` results.csv, unrounded (the reports round to 3 decimals).

Usage: docs/results/comparison/gains.py RESULTS.csv [K]   (K defaults to 10)
Per arm: replicates, mean of (arm - random) mean_dice per seed and fold, percentile bootstrap 95 % CI (10,000
resamples, seed 1) and wins. The reports' CIs come from uga's own bootstrap; this one serves the unrounded means.
"""
import csv
import random
import statistics
import sys

path, k = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "10")
rows = list(csv.DictReader(open(path, newline="")))
dice = {(r["seed"], r["fold"], r["arm"]): float(r["mean_dice"]) for r in rows if r["k"] == k}
replicates = sorted({(s, f) for s, f, _ in dice})
rng = random.Random(1)
for arm in sorted({a for _, _, a in dice} - {"random"}):
    gains = [dice[(s, f, arm)] - dice[(s, f, "random")] for s, f in replicates
             if (s, f, arm) in dice and (s, f, "random") in dice]
    means = sorted(statistics.mean(rng.choices(gains, k=len(gains))) for _ in range(10000))
    print(f"{arm:28s} n={len(gains)} mean={statistics.mean(gains):+.4f} "
          f"ci=[{means[249]:+.4f}, {means[9749]:+.4f}] wins={sum(g > 0 for g in gains)}")
