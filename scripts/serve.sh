#!/usr/bin/env bash
# Starts the gateway in the foreground, already set up (scripts/setup.sh), with
# config/flashphoner.properties or the file given as first argument. What the systemd unit runs.
# Stop it with SIGTERM (or Ctrl-C): every RTMP session is closed cleanly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/node-env.sh"
cd "$ROOT"
# glibc keeps the memory freed after a burst (the 64 KiB socket reads of a flood) in its heap for
# good unless told to trim what is free: test/integration/fuzz measures +4 to 9 % RSS with this, +38 %
# without. Do not lower MALLOC_MMAP_THRESHOLD_ to 64 KiB: every socket read, UDP datagram included,
# starts as a 64 KiB allocation, which would then be an mmap, mremap and munmap each: 20 % more CPU
# in the gateway's node process at 8 WebRTC streams (npm run bench), for 1 MB less RSS.
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-131072}"
# V8 flags: see server/node-flags.ts (GATEWAY_NODE_FLAGS, which must list the same).
exec node --no-incremental-marking-task --max-semi-space-size=16 dist/server/main.js --config "${1:-config/flashphoner.properties}"
