#!/usr/bin/env bash
# Sets up what is missing (system packages for the end-to-end tests included), then runs the whole
# test suite: unit tests, then end-to-end tests with headless Chromium, nginx-rtmp and ffmpeg.
# Extra arguments go to jest (e.g. scripts/test.sh test/unit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh" --for-tests
source "$ROOT/scripts/node-env.sh"
cd "$ROOT"
exec npx --no-install jest "$@"
