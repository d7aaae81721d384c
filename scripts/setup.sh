#!/usr/bin/env bash
# Sets up what the gateway needs on a Debian/Ubuntu machine, doing only what is missing:
#   - system packages: srt-tools (the gateway runs its srt-live-transmit for each SRT push; its codecs need no
#     system package: they are FFmpeg's libraries from the npm package node-av), Chromium, xvfb, pulseaudio
#     and xdotool (page capture); with --for-tests also: ffmpeg, nginx + its RTMP module, openssl, iproute2
#     and coturn
#   - Node.js >= 22 (Node 24 from the npm registry when the machine's Node is older; Debian's npm first if missing)
#   - npm dependencies (npm ci, at the locked versions) and the build (dist/)
# Usage: scripts/setup.sh [--for-tests]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

missing=()
# node-env.sh fetches Node 24 with npm when the machine has no Node 22 or newer: a fresh Debian has neither.
if [ ! -x .tools/node24/node_modules/.bin/node ] && ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
# srt-live-transmit carries SRT pushes (one small process per push that copies MPEG-TS to the connection)
command -v srt-live-transmit >/dev/null 2>&1 || missing+=(srt-tools)
# page capture (beam): Chromium on its own Xvfb display and PulseAudio sink; xdotool hides the pointer
[ -x /usr/lib/chromium/chromium ] || missing+=(chromium)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v pulseaudio >/dev/null 2>&1 || missing+=(pulseaudio)
command -v xdotool >/dev/null 2>&1 || missing+=(xdotool)
if $for_tests; then
  # the tests' sources and receivers, and the bench's baseline
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # ip netns (client hosts in network namespaces) and ss
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  # turnserver: the TURN tests run their own on loopback
  command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo -n); else
      echo "setup: run as root or install: apt-get install -y ${missing[*]}" >&2; exit 1
    fi
  fi
  # Debian's coturn enables and starts a system TURN server under systemd (whose unit ignores
  # /etc/default/coturn): open to anyone on every address with the stock configuration. Masked for
  # the install, it is never started; left disabled, the admin may still enable it.
  hold_coturn=false
  if [[ " ${missing[*]} " == *" coturn "* ]] && [ -d /run/systemd/system ]; then hold_coturn=true; fi
  if $hold_coturn; then "${sudo_cmd[@]}" systemctl mask --runtime --quiet coturn.service; fi
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  if $hold_coturn; then
    "${sudo_cmd[@]}" systemctl unmask --runtime --quiet coturn.service
    "${sudo_cmd[@]}" systemctl disable --quiet coturn.service
  fi
fi

# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"

# `npm ci`: exactly the locked versions, and the tracked lock file is never rewritten.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  # SKIP_FFMPEG: node-av's postinstall would download an ffmpeg CLI from outside the registry; its
  # library comes in @seydx/node-av-<platform> from the registry and is all the gateway uses.
  SKIP_FFMPEG=true npm ci --no-audit --no-fund >&2
fi

npm run --silent build >&2
