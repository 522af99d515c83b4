#!/usr/bin/env bash
# Start the Prefect 3.9.1 server (FastAPI + SQLAlchemy, sqlite via aiosqlite) on 127.0.0.1:PORT in the
# foreground. PREFECT_HOME and the sqlite DB live in a fresh temp dir each start.
# API only: --no-ui, --no-services (no scheduler/late-runs/... background loops), analytics off.
# No auth (the default for a self-hosted server). Stop with Ctrl-C / SIGTERM to this script.
set -euo pipefail
PORT="${1:?usage: start.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${REALAPI_VENV:-$HERE/venv}"   # bench/realapis.py --venvs points this at another copy
STATE="$(mktemp -d "${REALAPI_TMPDIR:-/tmp}/realapi-prefect.XXXXXX")"   # the driver passes a folder it removes
PID=""
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$STATE"; }
trap cleanup EXIT; trap 'exit 143' TERM; trap 'exit 130' INT
cd "$STATE"
export HOME="$STATE" TMPDIR="$STATE" PREFECT_HOME="$STATE/prefect-home" DO_NOT_TRACK=1 \
       PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_SERVER_UI_ENABLED=false \
       PREFECT_API_DATABASE_CONNECTION_URL="sqlite+aiosqlite:///$STATE/prefect.db" \
       PREFECT_LOGGING_LEVEL=WARNING
unset PREFECT_API_URL PREFECT_API_KEY PREFECT_PROFILES_PATH
"$VENV/bin/prefect" server start --host 127.0.0.1 --port "$PORT" --no-ui --no-services \
    --analytics-off --no-prompt --no-background &
PID=$!
wait "$PID"
