#!/usr/bin/env bash
# Fashion-MNIST, 100 clients, Dirichlet 0.5, 20 malicious, 50 rounds (jobs/fashion-mnist-2nn-robust.yaml; the Flower
# FLANDERS baseline's setting with the 2NN). No client momentum on any row: each client trains five local steps with
# its own SGD momentum, as FLANDERS' clients do. Usage: run-fashion.sh "SEEDS". Reruns reuse runs.csv.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
seeds=$1; f=20
exec nice -n 10 dotnet "$root/src/Tessera.Cli/bin/Release/net10.0/tessera.dll" bench robust \
  --job "$root/jobs/fashion-mnist-2nn-robust.yaml" --byzantine $f --parallel "${PARALLEL:-1}" --seeds $seeds \
  --out "$root/docs/runs/robustness/fmnist-n100-f20" \
  --aggregators "mean=mean" "cc_adaptive={name: centered_clip, tau: adaptive}" "norm_bound=norm_bound" \
    "multi_krum={name: multi_krum, f: $f}" "bulyan={name: bulyan, f: $f}" \
    "arc+nnm+geomed={name: geomed, pre: [arc, nnm], f: $f}" "arc+cc_adaptive={name: centered_clip, tau: adaptive, pre: [arc], f: $f}" \
  --attacks none sign_flip gaussian label_flip "ipm0.1={name: ipm, epsilon: 0.1}" alie min_max
