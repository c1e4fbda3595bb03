#!/usr/bin/env bash
# The robustness grids of docs/ROBUSTNESS.md. Usage: run-grid.sh a|b "SEEDS" — a: γ = 0.33, f = 3; b: γ = 0, f = 2.
# PARALLEL=2 runs two at a time. Reruns reuse finished runs (runs.csv), so seeds can be added a few at a time. The attackers forge the momentum
# vectors the rule combines (forges: momentum, the default with client momentum); g033-f3-update and g0-f2-update hold
# the earlier grids, whose attackers forged raw updates (commit 50e8666, before `forges` existed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
setting=$1; seeds=$2
if [ "$setting" = a ]; then f=3; set_args=(); out=g033-f3
else f=2; set_args=(--set data.gamma=0 --set data.clients=12 --set clients_per_round=12); out=g0-f2; fi
exec nice -n 10 dotnet "$root/src/Tessera.Cli/bin/Release/net10.0/tessera.dll" bench robust \
  --job "$root/jobs/mnist-2nn-byzfl-robust.yaml" "${set_args[@]}" --byzantine $f --parallel "${PARALLEL:-1}" --seeds $seeds \
  --out "$root/docs/runs/robustness/$out" \
  --aggregators "mean={name: mean, momentum: 0.9}" "median={name: median, momentum: 0.9}" \
    "trimmed_mean={name: trimmed_mean, f: $f, momentum: 0.9}" "krum={name: krum, f: $f, momentum: 0.9}" \
    "multi_krum={name: multi_krum, f: $f, momentum: 0.9}" "geomed={name: geomed, momentum: 0.9}" \
    "centered_clip={name: centered_clip, momentum: 0.9}" "cc_adaptive={name: centered_clip, tau: adaptive, momentum: 0.9}" \
    "plain_mean=mean" "cc_adaptive_no_momentum={name: centered_clip, tau: adaptive}" \
    "norm_bound={name: norm_bound, momentum: 0.9}" \
    "nnm+geomed={name: geomed, pre: [nnm], f: $f, momentum: 0.9}" \
    "arc+nnm+geomed={name: geomed, pre: [arc, nnm], f: $f, momentum: 0.9}" \
  --attacks none sign_flip gaussian label_flip "ipm0.1={name: ipm, epsilon: 0.1}" "ipm4={name: ipm, epsilon: 4}" alie \
    "optimal_alie={name: optimal_alie, evals: 8}" min_max min_sum mimic
