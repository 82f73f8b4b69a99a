#!/usr/bin/env bash
# Re-pins Pants and its dependencies with hashes for the ./pants launcher.
# Run after changing pants_version in pants.toml; commit the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^pants_version *= *"\(.*\)"/\1/p' pants.toml)
python=$(./pants --brickyard-print-python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
PIP_CONFIG_FILE=/dev/null "$work/venv/bin/pip" install --quiet pip-tools
echo "pantsbuild.pants==$version" > "$work/in.txt"
PIP_CONFIG_FILE=/dev/null "$work/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe \
  --strip-extras --no-header -o "$work/out.txt" "$work/in.txt"
{
  echo "# Pants itself, pinned with hashes so the launcher installs exactly what was reviewed."
  echo "# Regenerate: tools/bootstrap/lock-pants.sh (after changing pants_version in pants.toml)."
  cat "$work/out.txt"
} > tools/bootstrap/pants-requirements.txt
echo "pinned pantsbuild.pants==$version in tools/bootstrap/pants-requirements.txt"
