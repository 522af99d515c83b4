#!/usr/bin/env bash
# (Re)create this API's private venv (./venv, git-ignored) from PyPI with the exact versions that were tested
# (requirements.lock). Needs python3 >= 3.10 with the venv module, and network access to PyPI.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf venv
python3 -m venv venv
venv/bin/pip install -q --upgrade pip
venv/bin/pip install -q -r requirements.lock
echo "installed $(basename "$PWD") into $PWD/venv"
