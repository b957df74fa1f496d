#!/usr/bin/env bash
# Install everything and start the dashboard on http://localhost:8501 (SQLite in data/p06.db; on first
# start the sample province is loaded, with a progress bar). Extra arguments go to `streamlit run` (through ui/serve.py: see there why).
source "$(dirname "$0")/venv.sh" requirements.txt
exec python -m ui.serve "$@"
