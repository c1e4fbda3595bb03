#!/usr/bin/env bash
# The "Utility of differential privacy" runs of docs/PRIVACY.md. Usage: [PREFIX=mnist-lenet-iid] run.sh "SEEDS" [JOBS...]
# (defaults: PREFIX mnist-2nn-iid, seeds "1 2 3", jobs nodp dp-eps8 dp-eps4 dp-eps2 dp-eps1, i.e. $PREFIX-<job>.yaml
# here). Each run writes $PREFIX-<job>-s<seed>/metrics.csv; a finished run is skipped, so seeds can be added later.
# summarize.py makes the table, plot.sh the curves.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
seeds=${1:-"1 2 3"}; shift || true
prefix=${PREFIX:-mnist-2nn-iid}
jobs=("$@"); [ ${#jobs[@]} -gt 0 ] || jobs=(nodp dp-eps8 dp-eps4 dp-eps2 dp-eps1)
for seed in $seeds; do
  for job in "${jobs[@]}"; do
    out="$here/$prefix-$job-s$seed"
    [ -f "$out/done" ] && continue
    nice -n 10 dotnet "$root/src/Tessera.Cli/bin/Release/net10.0/tessera.dll" simulate "$here/$prefix-$job.yaml" \
      --set seed="$seed" --parallel 2 --out "$out" | grep -E '^(privacy|round +100 )' || true
    rm -f "$out/checkpoint.safetensors" "$out/test-accuracy.png"
    touch "$out/done"
  done
done
