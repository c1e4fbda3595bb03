#!/usr/bin/env bash
# The test suite: fetch dependencies, build warnings-as-errors, run every test project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/fetch-deps.sh
dotnet build Tessera.slnx -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet test Tessera.slnx -c Release --no-build -nologo -v quiet --logger "console;verbosity=normal" "$@"
