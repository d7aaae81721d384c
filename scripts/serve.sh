#!/usr/bin/env bash
# Starts the gateway in the foreground, already set up (scripts/setup.sh), with
# config/flashphoner.properties or the file given as first argument. What the systemd unit runs.
# Stop it with SIGTERM (or Ctrl-C): every RTMP session is closed cleanly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/node-env.sh"
cd "$ROOT"
exec node dist/server/main.js --config "${1:-config/flashphoner.properties}"
