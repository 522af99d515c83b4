#!/usr/bin/env bash
# Start jupyter_server 2.21.1 (Tornado) on 127.0.0.1:PORT in the foreground.
# Fresh temp dir each start: notebook root (root/), Jupyter config/data/runtime dirs, HOME.
# Auth: token. Default token 'fuzz-token' (override with JUPYTER_TOKEN=...);
# send it as header  'Authorization: token fuzz-token'  (token-authenticated requests skip XSRF).
# Kernels: ipykernel is installed, so POST /api/kernels starts real python3 kernel processes;
# they are shut down with the server. Stop with Ctrl-C / SIGTERM to this script.
set -euo pipefail
PORT="${1:?usage: start.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${REALAPI_VENV:-$HERE/venv}"   # bench/realapis.py --venvs points this at another copy
STATE="$(mktemp -d "${REALAPI_TMPDIR:-/tmp}/realapi-jupyter.XXXXXX")"   # the driver passes a folder it removes
PID=""
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$STATE"; }
trap cleanup EXIT; trap 'exit 143' TERM; trap 'exit 130' INT
mkdir -p "$STATE/root" "$STATE/config" "$STATE/data" "$STATE/runtime"
cd "$STATE"
export HOME="$STATE" TMPDIR="$STATE" JUPYTER_CONFIG_DIR="$STATE/config" \
       JUPYTER_DATA_DIR="$STATE/data" JUPYTER_RUNTIME_DIR="$STATE/runtime" \
       JUPYTER_PLATFORM_DIRS=1 IPYTHONDIR="$STATE/ipython"
TOKEN="${JUPYTER_TOKEN:-fuzz-token}"
unset JUPYTER_TOKEN
# Seed the root with one notebook and one text file so contents/sessions have something to find.
printf '{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}\n' > "$STATE/root/example.ipynb"
printf 'hello\n' > "$STATE/root/hello.txt"
"$VENV/bin/jupyter-server" --ip=127.0.0.1 --port="$PORT" --ServerApp.port_retries=0 \
    --no-browser --ServerApp.open_browser=False --ServerApp.root_dir="$STATE/root" \
    --IdentityProvider.token="$TOKEN" --ServerApp.allow_remote_access=False --allow-root &
PID=$!
wait "$PID"
