#!/usr/bin/env bash
# Start httpbin 0.10.4 (Flask + flasgger) on 127.0.0.1:PORT in the foreground.
# The app is stateless; a fresh temp dir is still used as cwd/TMPDIR/HOME so nothing leaks between starts.
# Stop with Ctrl-C or SIGTERM to this script's pid: the server is stopped and the temp dir removed.
set -euo pipefail
PORT="${1:?usage: start.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${REALAPI_VENV:-$HERE/venv}"   # bench/realapis.py --venvs points this at another copy
STATE="$(mktemp -d "${REALAPI_TMPDIR:-/tmp}/realapi-httpbin.XXXXXX")"   # the driver passes a folder it removes
PID=""
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$STATE"; }
trap cleanup EXIT; trap 'exit 143' TERM; trap 'exit 130' INT
cd "$STATE"; export TMPDIR="$STATE" HOME="$STATE"
# gthread worker: /delay, /drip etc. block one thread, not the whole server.
# --timeout 30 bounds a stuck worker on the server side; no control socket in $HOME.
"$VENV/bin/gunicorn" --bind "127.0.0.1:$PORT" --workers 1 \
    --worker-class gthread --threads 16 --timeout 30 --graceful-timeout 2 \
    --no-control-socket --access-logfile - "httpbin:app" &
PID=$!
wait "$PID"
