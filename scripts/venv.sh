# Sourced by start.sh and test.sh: a virtual environment in .venv with the given requirements file,
# reinstalled only when that file changes. Works on a fresh Debian machine with Python 3.11.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "Cần quyền root để cài: $* / root is needed to install: $*" >&2; return 1; fi; }

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'; then
  echo "Cần Python 3.11 trở lên / Python 3.11 or newer is required (found $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    # Debian ships venv separately.
    rm -rf .venv
    need_root apt-get update -qq && need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv .venv
  fi
fi
REQ=$1
STAMP=".venv/.installed-$(basename "$REQ")"
SUM=$(cat requirements*.txt | sha256sum | cut -c1-16)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$SUM" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$REQ"
  echo "$SUM" > "$STAMP"
fi
export PATH="$PWD/.venv/bin:$PATH"
