#!/usr/bin/env bash
# Re-pins the cache server (BuildGrid + the redis client) with hashes for remote_cache.py.
# Run after changing a version below; commit the result. BuildGrid 0.4.4 is the last
# release for CPython 3.11 (later ones need 3.12+), so it is pinned exactly.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
PIP_CONFIG_FILE=/dev/null "$work/venv/bin/pip" install --quiet pip-tools
# redis needs async-timeout on CPython < 3.11.3 (Debian 12's python3 is 3.11.2); named here
# so the pins work there too, whichever 3.11 this script runs on.
printf 'buildgrid==0.4.4\nredis\nasync-timeout\n' > "$work/in.txt"
# From inside $work, so the "# via -r in.txt" comments don't name a random temp dir.
(cd "$work" && PIP_CONFIG_FILE=/dev/null venv/bin/pip-compile --quiet --generate-hashes \
  --allow-unsafe --strip-extras --no-header --no-emit-find-links -o out.txt in.txt)
{
  echo "# The remote cache server (BuildGrid) and its redis client, pinned with hashes so"
  echo "# remote_cache.py installs exactly what was reviewed. Regenerate: tools/remote-cache/lock.sh."
  cat "$work/out.txt"
} > buildgrid-requirements.txt
echo "pinned $(grep -c '^[a-z]' buildgrid-requirements.txt) packages in tools/remote-cache/buildgrid-requirements.txt"
