#!/usr/bin/env bash
# Install everything and run the whole test suite. The PostgreSQL half runs when TEST_DATABASE_URL
# points at a server (bash .ci/run sets it); otherwise it is skipped with the reason. Browser tests use
# Debian's Chromium, installed here when missing; the monthly report's conversion test uses LibreOffice
# Writer, poppler and the Liberation fonts, and the .xls/.ods saving test LibreOffice Calc, installed here
# when missing; so is nginx, whose `nginx -t` checks deploy/nginx.conf. Extra arguments go to pytest.
source "$(dirname "$0")/venv.sh" requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  need_root apt-get update -qq && need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "Chromium could not be installed: the browser tests will be skipped" >&2
fi
if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null || [ ! -d /usr/share/fonts/truetype/liberation ] \
    || ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1; then
  # Calc: tests/test_loaders_formats.py saves workbooks as .xls and .ods the way offices do.
  need_root apt-get update -qq && need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-liberation >/dev/null \
    || echo "LibreOffice could not be installed: the report conversion and .xls/.ods saving tests will be skipped" >&2
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  # tests/test_security_deploy.py checks deploy/nginx.conf with `nginx -t` on the nginx Debian ships.
  need_root apt-get update -qq && need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
    || echo "nginx could not be installed: the nginx configuration test will be skipped" >&2
fi
# One worker process per core, at most four (pytest-xdist): each test file runs whole in one worker (its
# module-scoped servers and databases stay together), and each worker builds its own template databases.
# TEST_WORKERS=0 runs everything in one process.
CORES=$(nproc 2>/dev/null || echo 2)
exec python -m pytest -n "${TEST_WORKERS:-$(( CORES < 4 ? CORES : 4 ))}" --dist loadfile "$@"
