#!/usr/bin/env python3
"""The table of docs/PRIVACY.md "Utility of differential privacy": final-round test accuracy per seed and mean, from
the <job>-s<seed>/metrics.csv files run.sh wrote, with ε spent, the clip, and the noise multiplier (noise_std·m/clip).
Usage: summarize.py [--prefix mnist-2nn-iid] [--cohort 100] [--population 1000]
(the population row: --prefix mnist-2nn-iid-n6000 --cohort 600 --population 6000)."""
import csv, glob, os, re, statistics, sys

here = os.path.dirname(os.path.abspath(__file__))
prefix = sys.argv[sys.argv.index("--prefix") + 1] if "--prefix" in sys.argv else "mnist-2nn-iid"
cohort = int(sys.argv[sys.argv.index("--cohort") + 1]) if "--cohort" in sys.argv else 100
population = int(sys.argv[sys.argv.index("--population") + 1]) if "--population" in sys.argv else 1000
runs = {}
for path in sorted(glob.glob(os.path.join(here, f"{prefix}-*-s*/metrics.csv"))):
    m = re.match(rf"{re.escape(prefix)}-(nodp|dp-eps[0-9.]+)-s(\d+)$", os.path.basename(os.path.dirname(path)))
    if m is None: continue
    rows = list(csv.DictReader(open(path)))
    last = [r for r in rows if r["test_accuracy"]][-1]
    runs.setdefault(m.group(1), {})[int(m.group(2))] = (last, rows[-1])

def order(job):
    return (0, 0) if job == "nodp" else (1, -float(job.removeprefix("dp-eps")))

seeds = sorted({s for v in runs.values() for s in v})
print("| ε (δ = 1e-5) | noise multiplier z | noise σ on the mean | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± sd | rounds | cohort |")
print("|---|---|---|" + "---|" * len(seeds) + "---|---|---|")
for job in sorted(runs, key=order):
    by_seed = runs[job]
    accs = [float(by_seed[s][0]["test_accuracy"]) for s in seeds if s in by_seed]
    last_row = next(iter(by_seed.values()))[1]
    rounds = last_row["round"]
    if job == "nodp":
        eps, z, sigma = "∞ (no DP)", "–", "–"
    else:
        eps = f"{float(last_row['epsilon']):.3g}"
        sigma_v = float(last_row["noise_std"])
        z = f"{sigma_v * cohort / float(last_row['clip']):.4g}"
        sigma = f"{sigma_v:.3g}"
    cells = [f"{float(by_seed[s][0]['test_accuracy']) * 100:.2f} %" if s in by_seed else "–" for s in seeds]
    sd = f" ± {statistics.stdev(accs) * 100:.2f}" if len(accs) > 1 else ""
    print(f"| {eps} | {z} | {sigma} | " + " | ".join(cells) + f" | {statistics.mean(accs) * 100:.2f}{sd} % | {rounds} | {cohort} of {population} |")
