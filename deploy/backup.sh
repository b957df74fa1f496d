#!/usr/bin/env bash
# Back up the dashboard's PostgreSQL database with pg_dump (custom format: compressed, restorable table by
# table), beside the list of every table's row count, which deploy/restore.sh checks after restoring.
#
#   deploy/backup.sh [DATABASE_URL] [BACKUP_DIR]
#
# DATABASE_URL defaults to $DATABASE_URL, BACKUP_DIR to $P06_BACKUP_DIR or /var/backups/p06. Keeps the
# newest $P06_BACKUP_KEEP dumps (default 30) and deletes older ones. Prints the dump's path on stdout.
# For cron (as the p06 user, nightly at 01:30):
#   30 1 * * * . /etc/p06/dashboard.env && /srv/p06/app/deploy/backup.sh >> /var/log/p06/backup.log 2>&1
set -euo pipefail
umask 077  # the dump holds the users' password hashes: readable by its owner only

url="${1:-${DATABASE_URL:-}}"
dir="${2:-${P06_BACKUP_DIR:-/var/backups/p06}}"
keep="${P06_BACKUP_KEEP:-30}"
if [[ -z "$url" ]]; then
    echo "backup.sh: cần DATABASE_URL / DATABASE_URL is required (argument or environment)" >&2
    exit 2
fi
# SQLAlchemy's driver suffix means nothing to libpq.
url="${url/postgresql+psycopg:\/\//postgresql://}"
url="${url/postgres:\/\//postgresql://}"
if [[ "$url" != postgresql://* ]]; then
    echo "backup.sh: chỉ sao lưu PostgreSQL / only PostgreSQL databases are backed up here: $url" >&2
    exit 2
fi
command -v pg_dump >/dev/null || { echo "backup.sh: không có pg_dump / pg_dump not found (apt-get install postgresql-client)" >&2; exit 2; }

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dump="$dir/p06-$stamp.dump"
tmp="$dump.partial"

# Every table's row count just before and just after the dump: when both agree, nothing was written
# meanwhile and they are the dump's counts, which restore.sh checks; otherwise (an upload during the
# backup) no counts are kept and restore.sh says so.
row_counts() {
    psql --no-psqlrc --quiet --tuples-only --no-align --field-separator=' ' --dbname="$url" --set ON_ERROR_STOP=1 \
        --command "select table_name, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint
                   from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1"
}
row_counts > "$dump.counts.before"
pg_dump --dbname="$url" --format=custom --compress=6 --no-owner --no-privileges --file="$tmp"
row_counts > "$dump.counts.after"
if cmp -s "$dump.counts.before" "$dump.counts.after"; then
    mv "$dump.counts.before" "$dump.counts"
else
    echo "backup.sh: có dữ liệu được ghi trong lúc sao lưu, không lưu số dòng / the database was written during the backup; no row counts kept" >&2
    rm -f "$dump.counts.before"
fi
rm -f "$dump.counts.after"
mv "$tmp" "$dump"

# Retention: the newest $keep dumps stay.
ls -1t "$dir"/p06-*.dump 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f -- "$old" "$old.counts"
done
echo "$dump"
