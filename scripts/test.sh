#!/usr/bin/env bash
# Sets up what is missing (system packages for the end-to-end tests included), type-checks and lints
# the sources (tests included; stops at the first error), then runs the whole test suite: unit tests,
# then end-to-end tests with headless Chromium, nginx-rtmp and ffmpeg.
# Extra arguments go to jest (e.g. scripts/test.sh test/unit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh" --for-tests
source "$ROOT/scripts/node-env.sh"
cd "$ROOT"
# jest (@swc/jest) strips types without checking them: the type check is what covers test/.
npm run --silent typecheck
npm run --silent lint
exec npx --no-install jest "$@"
