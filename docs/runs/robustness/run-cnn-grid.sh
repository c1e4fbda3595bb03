#!/usr/bin/env bash
# ByzFL's setting with ByzFL's CNN (`lenet`, 800 steps, lr 0.1): docs/ROBUSTNESS.md. Usage: run-cnn-grid.sh a|b "SEEDS"
# [AGGREGATORS...] — a: γ = 0.33, f = 3; b: γ = 0, f = 2. About 85 s a run on 2 cores; reruns reuse finished runs.
# ATTACKS="none" runs only the named attacks (the suite otherwise).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
setting=$1; seeds=$2; shift 2
if [ "$setting" = a ]; then f=3; set_args=(); out=cnn-g033-f3
else f=2; set_args=(--set data.gamma=0 --set data.clients=12 --set clients_per_round=12); out=cnn-g0-f2; fi
aggregators=("$@")
if [ ${#aggregators[@]} -eq 0 ]; then
  aggregators=("mean={name: mean, momentum: 0.9}" "cc_adaptive_no_momentum={name: centered_clip, tau: adaptive}"
    "arc+nnm+geomed={name: geomed, pre: [arc, nnm], f: $f, momentum: 0.9}")
fi
attacks=(none sign_flip gaussian label_flip "ipm0.1={name: ipm, epsilon: 0.1}" "ipm4={name: ipm, epsilon: 4}" alie
  "optimal_alie={name: optimal_alie, evals: 8}" min_max min_sum mimic)
if [ -n "${ATTACKS:-}" ]; then read -r -a attacks <<< "$ATTACKS"; fi
exec nice -n 10 dotnet "$root/src/Tessera.Cli/bin/Release/net10.0/tessera.dll" bench robust \
  --job "$root/jobs/mnist-lenet-byzfl-robust.yaml" "${set_args[@]}" --byzantine $f --parallel "${PARALLEL:-1}" --seeds $seeds \
  --out "$root/docs/runs/robustness/$out" --aggregators "${aggregators[@]}" --attacks "${attacks[@]}"
