#!/usr/bin/env bash
# The live notebook environment.
#
#   tools/notebooks/jupyter.sh kernel   create or refresh the "Brickyard (workspace)" kernel
#   tools/notebooks/jupyter.sh lab      start JupyterLab on notebooks/ with that kernel
#
# The kernel is the python-default resolve exported by Pants, with every workspace library
# installed editable: `import brickyard.features` reads packages/features/src, so an edit is
# seen after a kernel restart (or at once with `%load_ext autoreload` + `%autoreload 2`).
set -euo pipefail
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/../.."

KERNEL_NAME="${BRICKYARD_KERNEL_NAME:-brickyard}"
EXPORT_DIR="dist/export/python/virtualenvs/python-default"

kernel_python() {
  local found=("$EXPORT_DIR"/*/bin/python)
  [[ -x "${found[0]}" ]] && echo "${found[0]}"
}

make_kernel() {
  rm -rf "$EXPORT_DIR"
  ./pants export --resolve=python-default
  "$(kernel_python)" -m ipykernel install --user --name "$KERNEL_NAME" \
    --display-name "Brickyard (workspace)"
}

case "${1:-}" in
  kernel)
    make_kernel
    ;;
  lab)
    shift
    kernel_python >/dev/null || make_kernel
    # Dev containers often run as root; Jupyter refuses that unless told.
    if [[ "$(id -u)" == 0 ]]; then set -- --allow-root "$@"; fi
    # 127.0.0.1 only: the server runs code as you; never expose it on the network.
    exec "$(dirname "$(kernel_python)")/jupyter" lab --ServerApp.ip=127.0.0.1 \
      --ServerApp.root_dir=notebooks "$@"
    ;;
  *)
    sed -n '2,9p' "$script" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
