#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, idempotently: PostgreSQL (throw-away test
# servers), Chromium (browser tests), then the npm packages from the lockfile. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${need[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian starts a cluster on install; the tests start their own throw-away servers instead.
  "${sudo_cmd[@]}" service postgresql stop >/dev/null 2>&1 || true
fi

command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || echo "install-deps: note: Go is missing; the end-to-end suite (a real Mattermost server) needs it"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
fi
