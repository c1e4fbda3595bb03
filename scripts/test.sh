#!/usr/bin/env bash
# The test suite: fetch dependencies, build warnings-as-errors, run every test project,
# and close with one summary line ("N passed, N failed") summed over all projects.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/fetch-deps.sh || exit 1
# The store's tests run on SQLite and on PostgreSQL; an already exported server is kept.
if [ -z "${TESSERA_TEST_POSTGRES:-}" ]; then
  TESSERA_TEST_POSTGRES="$(bash scripts/postgres.sh)" || exit 1
fi
export TESSERA_TEST_POSTGRES
dotnet build Tessera.slnx -c Release -nologo -v quiet -clp:ErrorsOnly || exit 1
results="$root/TestResults"
rm -rf "$results"
dotnet test Tessera.slnx -c Release --no-build -nologo -v quiet \
  --logger "console;verbosity=minimal" --logger "trx" --results-directory "$results" "$@"
status=$?
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "$passed passed, $failed failed"
exit $status
