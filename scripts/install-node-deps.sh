#!/usr/bin/env bash
# Installs the npm packages of the Node gRPC test client and ECS's field list (agent-java/src/test/node) from its
# package-lock.json; called by scripts/test.sh and, when missing, by SubscribeNodeClientTest.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top/agent-java/src/test/node"
if [ -d node_modules/@grpc/grpc-js ] && [ -d node_modules/@grpc/proto-loader ] && [ -d node_modules/@elastic/ecs ]; then exit 0; fi
command -v npm >/dev/null || { echo "syndrop: npm is missing; run scripts/install-deps.sh --test (Debian nodejs/npm)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error >&2
