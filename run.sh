#!/usr/bin/env bash
# Builds and runs the HFS Registry API.
#
#   ./run.sh                      API on http://localhost:5080 (ASPNETCORE_URLS or --urls to change)
#   ./run.sh --urls http://0.0.0.0:8080
#
# With ConnectionStrings__Registry set (and ConnectionStrings__RegistryOwner for the migrations, see README) it only
# builds and runs against that database. Without it, it sets
# up a private PostgreSQL for this checkout (installing Debian's postgresql package if the server binaries
# are missing), keeps its data in .data/postgres, listens on 127.0.0.1:${REGISTRY_PG_PORT:-55432}, and stops
# it again when the API exits. Runs after the first find the same database: nothing is re-initialised.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
API_PROJECT="$ROOT/src/Registry.Api/Registry.Api.csproj"
API_DLL="$ROOT/src/Registry.Api/bin/Release/net10.0/Registry.Api.dll"
PG_PORT="${REGISTRY_PG_PORT:-55432}"
PG_DATABASE=registry

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5080}"
# Development by default: the documented development API keys work and analytics show small demo counts.
# Set ASPNETCORE_ENVIRONMENT=Production to get a printed first admin key instead.
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"

build() {
    command -v dotnet >/dev/null || die "the .NET 10 SDK ('dotnet') is not on PATH; install it first (https://dot.net)."
    log "building (Release)..."
    dotnet build "$API_PROJECT" -c Release --nologo -v quiet -clp:ErrorsOnly \
        || die "the build failed; see the errors above."
}

# ---------------------------------------------------------------- an existing database: build and run
if [[ -n "${ConnectionStrings__Registry:-}" ]]; then
    build
    log "using the database from ConnectionStrings__Registry; listening on $ASPNETCORE_URLS"
    exec dotnet "$API_DLL" "$@"
fi

# ---------------------------------------------------------------- a private PostgreSQL for this checkout
IS_ROOT=false; [[ "$(id -u)" == 0 ]] && IS_ROOT=true

find_pg_bin() {
    local dir initdb
    # PATH may hold symlinks (e.g. /usr/local/bin/initdb): use the directory of the real binary.
    if initdb="$(command -v initdb 2>/dev/null)"; then
        dir="$(dirname "$(readlink -f "$initdb")")"
        [[ -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
    done
    return 1
}

install_postgres() {
    log "PostgreSQL server binaries not found; installing Debian's 'postgresql' package..."
    command -v apt-get >/dev/null || die "no apt-get here: install the PostgreSQL 15 server (initdb, pg_ctl) yourself, or set ConnectionStrings__Registry."
    local sudo=()
    if ! $IS_ROOT; then
        command -v sudo >/dev/null || die "installing PostgreSQL needs root, and sudo is missing: run 'apt-get install -y postgresql' as root, or set ConnectionStrings__Registry."
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

PG_BIN="$(find_pg_bin)" || { install_postgres; PG_BIN="$(find_pg_bin)" || die "PostgreSQL was installed but initdb/pg_ctl are still not found."; }

# PostgreSQL refuses to run as root: as root the cluster belongs to, and runs as, the 'postgres' user.
as_pg() {
    if $IS_ROOT; then runuser -u postgres -- "$@"; else "$@"; fi
}
if $IS_ROOT; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to own the database (install Debian's postgresql package)."
fi

# The cluster lives in the checkout's .data/ unless, as root, 'postgres' cannot reach it (e.g. under /root).
PG_HOME="$ROOT/.data"
mkdir -p "$PG_HOME"
if $IS_ROOT && ! runuser -u postgres -- test -x "$PG_HOME" 2>/dev/null; then
    PG_HOME="/var/lib/hfs-registry/$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
    log "the 'postgres' user cannot reach $ROOT/.data (a parent directory is closed to it);"
    log "keeping this checkout's database in $PG_HOME instead."
    mkdir -p "$PG_HOME"
    chmod 755 /var/lib/hfs-registry "$PG_HOME"
    printf '%s\n' "$ROOT" > "$PG_HOME/checkout"
fi
PGDATA="$PG_HOME/postgres"
PG_SOCKETS="$PG_HOME/sockets"
PG_LOG="$PG_HOME/postgres.log"
mkdir -p "$PGDATA" "$PG_SOCKETS"
touch "$PG_LOG"
if $IS_ROOT; then chown postgres:postgres "$PGDATA" "$PG_SOCKETS" "$PG_LOG"; fi
chmod 700 "$PGDATA"
# A Unix socket path is limited to 107 bytes; with a deep checkout go TCP-only rather than fail.
[[ ${#PG_SOCKETS} -le 90 ]] || PG_SOCKETS=""

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    log "creating a PostgreSQL cluster in $PGDATA ($("$PG_BIN/postgres" --version))"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_HOME/initdb.log" 2>&1 \
        || { cat "$PG_HOME/initdb.log" >&2; die "initdb failed (output above)."; }
fi

pg_running() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

STARTED_PG=false
stop_pg() {
    if $STARTED_PG; then
        log "stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || log "PostgreSQL did not stop cleanly; see $PG_LOG"
        STARTED_PG=false
    fi
}
trap stop_pg EXIT

if pg_running; then
    # Started by another ./run.sh of this checkout (or one that was killed): use it, leave it running.
    PG_PORT="$(sed -n 4p "$PGDATA/postmaster.pid")"
    log "PostgreSQL for this checkout is already running on port $PG_PORT; using it"
else
    if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
        die "port $PG_PORT is taken by another program; choose a free one with REGISTRY_PG_PORT=NNNNN ./run.sh"
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    STARTED_PG=true
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$PG_SOCKETS'" >/dev/null \
        || { STARTED_PG=false; tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start (log above)."; }
fi

PSQL="$PG_BIN/psql"; [[ -x "$PSQL" ]] || PSQL="$(command -v psql)" || die "psql not found next to $PG_BIN/initdb nor on PATH."
psql_admin() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" != 1 ]]; then
    log "creating database '$PG_DATABASE'"
    psql_admin -c "CREATE DATABASE $PG_DATABASE"
fi
# The API's requests log in as registry_api (no superuser, no BYPASSRLS, owns nothing: row-level security binds
# it); the migrations run as the owner, here the cluster's superuser. Local trust authentication: no passwords.
psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'registry_api') THEN CREATE ROLE registry_api; END IF;
END \$\$; ALTER ROLE registry_api LOGIN NOSUPERUSER NOBYPASSRLS"
export ConnectionStrings__Registry="Host=127.0.0.1;Port=$PG_PORT;Database=$PG_DATABASE;Username=registry_api"
export ConnectionStrings__RegistryOwner="Host=127.0.0.1;Port=$PG_PORT;Database=$PG_DATABASE;Username=postgres"

build

# The API runs in the background so that Ctrl-C / TERM reach it here, and PostgreSQL is stopped after it.
log "starting the API on $ASPNETCORE_URLS (Swagger UI at /swagger); Ctrl-C stops both"
dotnet "$API_DLL" "$@" &
API_PID=$!
trap 'kill -TERM "$API_PID" 2>/dev/null || true' INT TERM
# wait returns early when a signal arrives; wait again until the API itself has exited.
status=0; wait "$API_PID" || status=$?
while kill -0 "$API_PID" 2>/dev/null; do status=0; wait "$API_PID" || status=$?; done
log "the API exited (status $status)"; exit "$status"
