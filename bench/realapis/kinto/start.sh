#!/usr/bin/env bash
# Start Kinto 26.5.0 (Pyramid + Cornice, waitress) on 127.0.0.1:PORT in the foreground,
# memory storage/cache/permission backends, config generated fresh in a temp dir each start.
# Auth: 'account' policy (shipped default) then 'basicauth': any USER:PASS that is not an
# account is accepted as a basicauth identity, so e.g. `-a fuzzer:fuzzer` works with no setup.
# Authenticated identities may create buckets. Stop with Ctrl-C / SIGTERM to this script.
set -euo pipefail
PORT="${1:?usage: start.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${REALAPI_VENV:-$HERE/venv}"   # bench/realapis.py --venvs points this at another copy
STATE="$(mktemp -d "${REALAPI_TMPDIR:-/tmp}/realapi-kinto.XXXXXX")"   # the driver passes a folder it removes
PID=""
cleanup() { if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$STATE"; }
trap cleanup EXIT; trap 'exit 143' TERM; trap 'exit 130' INT
cd "$STATE"; export TMPDIR="$STATE" HOME="$STATE"
"$VENV/bin/kinto" init --ini "$STATE/kinto.ini" --backend memory --cache-backend memory \
    --host 127.0.0.1 -q </dev/null
# Stock template + two edits: add basicauth after account; let any authenticated user create buckets.
sed -i -e 's/^multiauth.policies = account$/multiauth.policies = account basicauth/' \
       -e 's/^kinto.bucket_create_principals = account:admin$/kinto.bucket_create_principals = system.Authenticated/' \
       "$STATE/kinto.ini"
grep -q '^multiauth.policies = account basicauth$' "$STATE/kinto.ini"
grep -q '^kinto.bucket_create_principals = system.Authenticated$' "$STATE/kinto.ini"
"$VENV/bin/kinto" start --ini "$STATE/kinto.ini" --port "$PORT" &
PID=$!
wait "$PID"
