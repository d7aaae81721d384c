#!/usr/bin/env bash
# Sourced by the other scripts: puts a Node.js >= 22 first on PATH.
# When the machine's Node is older (Debian 12 ships Node 20), Node 24 LTS is
# installed once from the npm registry's `node` package into .tools/node24.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
NODE24_DIR="$ROOT/.tools/node24"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$NODE24_DIR/node_modules/.bin/node" ]; then
  export PATH="$NODE24_DIR/node_modules/.bin:$PATH"
elif [ "$(node_major)" -lt 22 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "node-env: npm is needed to fetch Node 24 (install Debian's nodejs and npm first)" >&2
    exit 1
  fi
  echo "node-env: Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 into .tools/node24" >&2
  mkdir -p "$NODE24_DIR"
  npm install --no-save --no-audit --no-fund --prefix "$NODE24_DIR" node@24 >&2
  export PATH="$NODE24_DIR/node_modules/.bin:$PATH"
fi
