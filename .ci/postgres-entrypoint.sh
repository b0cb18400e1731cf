#!/bin/sh
# Entrypoint of the image .ci/postgres-image.sh builds: the part of the official postgres image's entrypoint
# the tests rely on. On first start it creates PGDATA with POSTGRES_USER (default postgres) as superuser,
# POSTGRES_PASSWORD for connections over TCP and the database POSTGRES_DB (default: the user's name); then it
# runs postgres with any arguments given (`postgres -c x=y` or just `-c x=y`).
set -eu

[ "${1:-}" = postgres ] && shift
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile="$(mktemp)"
    printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}" >"$pwfile"
    chown postgres "$pwfile"
    setpriv --reuid=postgres --regid=postgres --init-groups initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    if [ "$db" != postgres ]; then
        echo "CREATE DATABASE \"$db\";" | setpriv --reuid=postgres --regid=postgres --init-groups postgres --single -D "$PGDATA" -j postgres >/dev/null
    fi
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
