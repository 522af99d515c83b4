#!/usr/bin/env bash
# Start Chroma 1.5.9 (server written in Rust/axum, shipped inside the chromadb wheel; `chroma run`)
# on 127.0.0.1:PORT in the foreground, persistence in a fresh temp dir each start.
# No auth (the default). Anonymized telemetry switched off. Stop with Ctrl-C / SIGTERM to this script.
set -euo pipefail
PORT="${1:?usage: start.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${REALAPI_VENV:-$HERE/venv}"   # bench/realapis.py --venvs points this at another copy
STATE="$(mktemp -d "${REALAPI_TMPDIR:-/tmp}/realapi-chroma.XXXXXX")"   # the driver passes a folder it removes
PID=""
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$STATE"; }
trap cleanup EXIT; trap 'exit 143' TERM; trap 'exit 130' INT
cd "$STATE"; export HOME="$STATE" TMPDIR="$STATE" ANONYMIZED_TELEMETRY=False CHROMA_ANONYMIZED_TELEMETRY=False DO_NOT_TRACK=1
"$VENV/bin/chroma" run --path "$STATE/data" --host 127.0.0.1 --port "$PORT" &
PID=$!
wait "$PID"
