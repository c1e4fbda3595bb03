#!/usr/bin/env bash
# Hyperparameters tuned as ByzFL tunes them (docs/ROBUSTNESS.md, "Tuning on a validation split"): 5,000 MNIST
# training samples are held out (simulation.validation_samples), each family's setting is chosen by its worst case on
# them (selected.md), and the test set only reports. Usage: run-tuning.sh "SEEDS"; γ = 0, f = 2. Reruns reuse runs.csv.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
seeds=$1; f=2
exec nice -n 10 dotnet "$root/src/Tessera.Cli/bin/Release/net10.0/tessera.dll" bench robust \
  --job "$root/jobs/mnist-2nn-byzfl-robust.yaml" --set data.gamma=0 --set data.clients=12 --set clients_per_round=12 \
  --set simulation.validation_samples=5000 --byzantine $f --parallel "${PARALLEL:-1}" --seeds $seeds \
  --out "$root/docs/runs/robustness/g0-f2-tuned" \
  --aggregators "cc/t0.1={name: centered_clip, tau: 0.1, momentum: 0.9}" "cc/t1={name: centered_clip, tau: 1, momentum: 0.9}" \
    "cc/t10={name: centered_clip, tau: 10, momentum: 0.9}" \
    "nb/adaptive={name: norm_bound, momentum: 0.9}" "nb/b1={name: norm_bound, bound: 1, momentum: 0.9}" \
    "nb/b10={name: norm_bound, bound: 10, momentum: 0.9}" \
    "arc+nnm+geomed={name: geomed, pre: [arc, nnm], f: $f, momentum: 0.9}" \
    "cc_adaptive/plain={name: centered_clip, tau: adaptive}" "cc_adaptive/L3={name: centered_clip, tau: adaptive, iterations: 3}" \
    "cc_adaptive/m0.9={name: centered_clip, tau: adaptive, momentum: 0.9}" \
    "cc_adaptive/arc={name: centered_clip, tau: adaptive, pre: [arc], f: $f}" \
    "cc_adaptive/nnm={name: centered_clip, tau: adaptive, pre: [nnm], f: $f}" \
    "cc_adaptive/bucketing={name: centered_clip, tau: adaptive, pre: [bucketing]}" \
  --attacks none sign_flip gaussian label_flip "ipm0.1={name: ipm, epsilon: 0.1}" "ipm4={name: ipm, epsilon: 4}" alie \
    "optimal_alie={name: optimal_alie, evals: 8}" min_max min_sum mimic
