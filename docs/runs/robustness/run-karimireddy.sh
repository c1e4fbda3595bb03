#!/usr/bin/env bash
# Karimireddy et al. 2022's setting (docs/ROBUSTNESS.md, "Label-sorted MNIST, n = 25, f = 5"): MNIST sorted by label
# and split over 25 clients (γ-similarity at γ = 0), 5 of them Byzantine, 600 rounds of one step of batch 32 at lr 0.1
# with worker momentum 0.9 (plain_mean and cc_adaptive_no_momentum: none). The 2NN stands in for the paper's CNN. Usage: run-karimireddy.sh "SEEDS". Reruns reuse runs.csv.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
seeds=$1; f=5
exec nice -n 10 dotnet "$root/src/Tessera.Cli/bin/Release/net10.0/tessera.dll" bench robust \
  --job "$root/jobs/mnist-2nn-byzfl-robust.yaml" --set data.gamma=0 --set data.clients=25 --set clients_per_round=25 \
  --set local.lr=0.1 --set local.batch_size=32 --set eval_every=600 --rounds 600 \
  --byzantine $f --parallel "${PARALLEL:-1}" --seeds $seeds \
  --out "$root/docs/runs/robustness/kr-n25-f5" \
  --aggregators "mean={name: mean, momentum: 0.9}" \
    "bucketing+cc={name: centered_clip, tau: 1, pre: [bucketing], momentum: 0.9}" \
    "cc_adaptive={name: centered_clip, tau: adaptive, momentum: 0.9}" \
    "plain_mean=mean" "cc_adaptive_no_momentum={name: centered_clip, tau: adaptive}" \
    "arc+nnm+geomed={name: geomed, pre: [arc, nnm], f: $f, momentum: 0.9}" \
  --attacks none sign_flip label_flip mimic "ipm0.1={name: ipm, epsilon: 0.1}" alie \
    "optimal_alie={name: optimal_alie, evals: 8}" min_max
