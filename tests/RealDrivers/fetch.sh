#!/usr/bin/env bash
# Gets each real-driver codebase's source at its pinned commit (tests/RealDrivers/<codebase>/corpus.txt) into
# tests/RealDrivers/.sources/<codebase> (or DEST). Their source is never committed here (.gitignore).
#
#   tests/RealDrivers/fetch.sh [DEST]
#   REALDRIVERS_GIT_<codebase>=/path/to/git/dir tests/RealDrivers/fetch.sh     # clone from a local git dir instead
#       (<codebase> with '.' and '-' as '_', e.g. REALDRIVERS_GIT_ixy_cs, REALDRIVERS_GIT_moos)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${1:-$here/.sources}"
mkdir -p "$dest"
for manifest in "$here"/*/corpus.txt; do
  name="$(basename "$(dirname "$manifest")")"
  repo="$(sed -n 's/^repository: *//p' "$manifest")"
  commit="$(sed -n 's/^commit: *//p' "$manifest")"
  var="REALDRIVERS_GIT_$(echo "$name" | tr '.-' '__')"
  from="${!var:-$repo}"
  target="$dest/$name"
  if [ -d "$target/.git" ] && [ "$(git -C "$target" rev-parse HEAD 2>/dev/null)" = "$commit" ]; then
    echo "$name: already at $commit"
    continue
  fi
  rm -rf "$target"
  echo "$name: cloning $from at $commit"
  git clone --quiet --no-checkout "$from" "$target"
  git -C "$target" -c advice.detachedHead=false checkout --quiet "$commit"
  missing="$(git -C "$target" status --porcelain | sed -n 's/^ D //p')"
  if [ -n "$missing" ]; then
    # A snapshot git dir may lack large blobs; say which files are absent rather than hide it.
    echo "$name: warning: these files are absent from $from:" $missing >&2
  fi
  echo "$name: $(git -C "$target" rev-parse HEAD)"
done
