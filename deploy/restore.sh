#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into a NEW database, then compare every table's row count with
# the counts taken at backup time. Exit 0 only when the restore succeeded and the counts match.
#
#   deploy/restore.sh DUMP TARGET_DATABASE_URL
#
# The target database is created (it must not exist: restoring over a live database is refused). To put
# a restored database into service: stop the dashboard (systemctl stop 'p06-streamlit@*'), point
# DATABASE_URL in /etc/p06/dashboard.env at it (or rename the databases), start it again.
set -euo pipefail

dump="${1:-}"
url="${2:-}"
if [[ -z "$dump" || -z "$url" ]]; then
    echo "usage: deploy/restore.sh DUMP TARGET_DATABASE_URL" >&2
    exit 2
fi
[[ -f "$dump" ]] || { echo "restore.sh: không thấy tệp / no such file: $dump" >&2; exit 2; }
command -v pg_restore >/dev/null || { echo "restore.sh: không có pg_restore / pg_restore not found (apt-get install postgresql-client)" >&2; exit 2; }
url="${url/postgresql+psycopg:\/\//postgresql://}"
url="${url/postgres:\/\//postgresql://}"

# postgresql://user@host:port/NAME?opts -> NAME, and the same server's maintenance database.
base="${url%/*}"
rest="${url##*/}"
name="${rest%%\?*}"
query="${rest#"$name"}"
maint="$base/postgres$query"
if [[ ! "$name" =~ ^[A-Za-z0-9_]+$ ]]; then
    echo "restore.sh: tên cơ sở dữ liệu không hợp lệ / database name must be letters, digits and _: $name" >&2
    exit 2
fi
exists="$(psql --no-psqlrc --tuples-only --no-align --dbname="$maint" --command "select 1 from pg_database where datname = '$name'")"
if [[ "$exists" == "1" ]]; then
    echo "restore.sh: cơ sở dữ liệu $name đã có, không ghi đè / database $name exists; restore into a new one" >&2
    exit 1
fi
psql --no-psqlrc --quiet --dbname="$maint" --set ON_ERROR_STOP=1 --command "CREATE DATABASE \"$name\""

if ! pg_restore --dbname="$url" --no-owner --no-privileges --exit-on-error --single-transaction "$dump"; then
    echo "restore.sh: khôi phục thất bại, đã xoá $name / restore failed; $name dropped" >&2
    psql --no-psqlrc --quiet --dbname="$maint" --command "DROP DATABASE IF EXISTS \"$name\"" || true
    exit 1
fi

counts="$dump.counts"
if [[ ! -f "$counts" ]]; then
    echo "restore.sh: đã khôi phục vào $name, không có tệp số dòng để đối chiếu / restored into $name; no row counts to compare" >&2
    exit 0
fi
restored="$(mktemp)"
trap 'rm -f "$restored"' EXIT
psql --no-psqlrc --quiet --tuples-only --no-align --field-separator=' ' --dbname="$url" --set ON_ERROR_STOP=1 \
    --command "select table_name, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint
               from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1" \
    > "$restored"
if ! diff -u "$counts" "$restored" >&2; then
    echo "restore.sh: số dòng khác với lúc sao lưu (xem trên) / row counts differ from the backup's (above)" >&2
    exit 1
fi
echo "restore.sh: đã khôi phục vào $name, $(wc -l < "$restored") bảng khớp số dòng / restored into $name; row counts of $(wc -l < "$restored") tables match" >&2
echo "$name"
