#!/usr/bin/env bash
# Does a heavy analytics load on a read replica slow the primary's writes? Issue 14, point 5, on one machine: the
# primary, the writers' API and the load tool share core 0; the replica and the API instance that serves analytics
# have core 1 (with the replica's work on the primary's cores, the question cannot be told apart from plain CPU
# contention). Runs `replica-writes` twice on the same data: the analytics instance reads from the replica
# (ConnectionStrings__RegistryRead), then from the primary. Everything lives in a temp dir and is stopped at the end. Needs PostgreSQL 15's server binaries, taskset
# and the Release builds (dotnet build Registry.sln -c Release).
#
#   tests/Registry.Load/replica-writes.sh [cases=50000] [base port=57500]
set -euo pipefail
cases=${1:-50000}; port=${2:-57500}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin
[[ -x $bin/initdb ]] || { echo "needs PostgreSQL 15's server binaries in $bin" >&2; exit 2; }
work=$(mktemp -d); chmod 755 "$work"
[[ $(id -u) == 0 ]] && chown postgres "$work"
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
api_pids=()
cleanup() {
  [[ ${#api_pids[@]} -gt 0 ]] && kill "${api_pids[@]}" 2>/dev/null || true
  for d in replica primary; do [[ -f $work/$d/postmaster.pid ]] && as_pg $bin/pg_ctl -D "$work/$d" -m fast stop >/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
settings="-k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=2GB -c work_mem=64MB -c max_wal_size=8GB -c synchronous_commit=off -c max_connections=200 -c jit=off -c random_page_cost=1.1"
primary="Host=127.0.0.1;Port=$port;Username=postgres;Database=registry"
replica="Host=127.0.0.1;Port=$((port + 1));Username=postgres;Database=registry"
load="dotnet $root/tests/Registry.Load/bin/Release/net10.0/Registry.Load.dll"

as_pg $bin/initdb -D "$work/primary" -A trust -U postgres >/dev/null
as_pg taskset -c 0 $bin/pg_ctl -D "$work/primary" -l "$work/primary.log" -w start -o "-p $port $settings" >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE registry"
$load generate --connection "$primary" --cases "$cases" --seed 42 2>&1 | tail -1
psql -h 127.0.0.1 -p "$port" -U postgres -d registry -qc "VACUUM ANALYZE"
as_pg $bin/pg_basebackup -h 127.0.0.1 -p "$port" -U postgres -D "$work/replica" -R -X stream
chmod 700 "$work/replica"
as_pg taskset -c 1 $bin/pg_ctl -D "$work/replica" -l "$work/replica.log" -w start -o "-p $((port + 1)) $settings -c hot_standby_feedback=on" >/dev/null

start_api() { # core, port, extra environment...
  local core=$1 api_port=$2; shift 2
  env "$@" ConnectionStrings__Registry="$primary" DOTNET_gcServer=0 Logging__LogLevel__Default=Warning \
    Registry__Auth__DevelopmentKeys=true Registry__RateLimit__PerSecond=1000000 Registry__RateLimit__Burst=1000000 \
    taskset -c "$core" dotnet "$root/src/Registry.Api/bin/Release/net10.0/Registry.Api.dll" --urls "http://127.0.0.1:$api_port" >>"$work/api.log" 2>&1 &
  api_pids+=("$!")
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$api_port/health/ready" >/dev/null && break; sleep 0.5; done
}

# The writers' API on core 0 with the primary; the analytics clients call a second API instance on core 1, the
# replica's core, as a deployment with several instances would serve them. Only where its SQL runs changes.
run() {
  local label=$1; shift
  start_api 0 $((port + 2))
  start_api 1 $((port + 3)) "$@"
  echo; echo "## analytics SQL on the $label"
  taskset -c 0 $load replica-writes --url "http://127.0.0.1:$((port + 2))" --analytics-url "http://127.0.0.1:$((port + 3))" \
    --connection "$primary" --seconds 20 --warmup 20 --writers 8 --analysts 4 2>/dev/null
  kill "${api_pids[@]}"; wait "${api_pids[@]}" 2>/dev/null || true; api_pids=()
}
run replica ConnectionStrings__RegistryRead="$replica"
run primary
