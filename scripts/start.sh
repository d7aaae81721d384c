#!/usr/bin/env bash
# Sets up what is missing, then starts the gateway in the foreground with config/flashphoner.properties
# (or the file given as first argument). Stop it with Ctrl-C or SIGTERM: every RTMP session is closed cleanly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
exec "$ROOT/scripts/serve.sh" "$@"
