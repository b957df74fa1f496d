#!/usr/bin/env bash
# Install everything and start the dashboard on http://localhost:8501 (SQLite in data/p06.db; on first
# start the sample province is loaded, with a progress bar). Extra arguments go to `streamlit run` (through
# ui/serve.py: see there why).
#
# It listens on this machine only (127.0.0.1) and shows visitors no error details. To let other machines of
# the network in (a trial without nginx), ask for it:
#   bash scripts/start.sh --public        (or P06_PUBLIC=1 bash scripts/start.sh)
# Production runs behind nginx instead (deploy/README.md).
set -euo pipefail
address="127.0.0.1"
args=()
for arg in "$@"; do
    if [[ "$arg" == "--public" ]]; then
        address="0.0.0.0"
    else
        args+=("$arg")
    fi
done
if [[ "${P06_PUBLIC:-0}" == "1" ]]; then
    address="0.0.0.0"
fi
command=(python -m ui.serve --server.address "$address" --client.showErrorDetails none "${args[@]+"${args[@]}"}")
if [[ "${P06_START_DRY_RUN:-0}" == "1" ]]; then
    echo "${command[@]}"  # what would run (tests/test_security_deploy.py reads it)
    exit 0
fi
source "$(dirname "$0")/venv.sh" requirements.txt
exec "${command[@]}"
