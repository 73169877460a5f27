#!/usr/bin/env bash
# Builds the real Mattermost server (cmd/mattermost) from the Go module pinned in go.mod beside
# this script, into a cache outside the repository, and prepares a run directory for it.
#
#   test/e2e/mmserver/build.sh            build if needed; last line printed: the run directory
#   MM_E2E_CACHE_DIR=/some/dir build.sh   cache somewhere else (default ${XDG_CACHE_HOME:-~/.cache}/ireserve-e2e)
#   MM_E2E_REBUILD=1 build.sh             rebuild even when the cached binary matches the pin
#
# Layout:  <cache>/mattermost-<pin>/bin/mattermost      the binary
#          <cache>/mattermost-<pin>/run/{i18n,templates,fonts} -> the module's directory in the
#                                                       Go module cache (read-only; start the
#                                                       server with this as its working directory)
#          <cache>/mattermost-<pin>/stamp                sha256 of go.mod + go.sum it was built from
#
# Contract: exits non-zero with the go command's own error when the module proxy cannot supply
# the server; it never falls back to anything else. Prints how long the build took.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH="/usr/local/go/bin:${PATH}"
command -v go >/dev/null || { echo "build.sh: no 'go' on PATH (expected /usr/local/go/bin/go)" >&2; exit 1; }

mod=github.com/mattermost/mattermost/server/v8
pin="$(awk -v m="$mod" '$1 == m { print $2; exit }' "$here/go.mod")"
[ -n "$pin" ] || { echo "build.sh: no 'require $mod <version>' line in $here/go.mod" >&2; exit 1; }

cache_root="${MM_E2E_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ireserve-e2e}"
dest="$cache_root/mattermost-$pin"
bin="$dest/bin/mattermost"
run="$dest/run"

# The pseudo-versions of the monorepo's server modules have no checksum-database entry; their
# hashes are pinned by go.sum instead (committed beside go.mod).
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/mattermost/mattermost/server/v8,github.com/mattermost/mattermost/server/public"
export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

pin_stamp() { { cat "$here/go.mod"; [ ! -f "$here/go.sum" ] || cat "$here/go.sum"; } | sha256sum | cut -c1-16; }
stamp="$(pin_stamp)"

cd "$here"
if [ -x "$bin" ] && [ "$(cat "$dest/stamp" 2>/dev/null)" = "$stamp" ] && [ -z "${MM_E2E_REBUILD:-}" ]; then
  echo "mattermost $pin: cached binary $bin (build skipped)"
else
  mkdir -p "$dest/bin"
  echo "mattermost $pin: building $bin (slow: several minutes on 2 cores) ..."
  start=$(date +%s)
  # -p 2 and nice: the machine is small and shared.
  nice -n 10 go build -p 2 -trimpath -o "$bin.tmp.$$" "$mod/cmd/mattermost"
  mv -f "$bin.tmp.$$" "$bin"
  # go build -mod=mod may have completed go.sum; the stamp covers what was actually used.
  stamp="$(pin_stamp)"
  echo "$stamp" > "$dest/stamp"
  echo "mattermost $pin: build took $(( $(date +%s) - start ))s"
fi

# The binary may be cached while the module cache was cleaned: download (a no-op when present).
go mod download "$mod"
moddir="$(go list -m -f '{{.Dir}}' "$mod")"
[ -d "$moddir/i18n" ] || { echo "build.sh: $moddir has no i18n/ (module cache incomplete?)" >&2; exit 1; }
mkdir -p "$run"
for d in i18n templates fonts; do
  ln -sfn "$moddir/$d" "$run/$d"
done
echo "$run"
