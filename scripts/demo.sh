#!/usr/bin/env bash
# The embedded default: bring the stack up if needed, build the Go example for linux/amd64 and
# linux/arm64 into an OCI layout (./multiarch-out), verify it there, and print the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/stack.sh up >/dev/null
node bin/multiarch.js build examples/go-emulated \
  --platforms linux/amd64,linux/arm64 \
  --network host \
  --build-context golang:1.19=docker-image://localhost:5000/library/golang:1.19 \
  --build-context busybox:1.35=docker-image://localhost:5000/library/busybox:1.35 \
  --out multiarch-out "$@"
echo
cat multiarch-out.summary.md
