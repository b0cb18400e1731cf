#!/usr/bin/env bash
# The API's memory at rest, after the first FHIR requests and after the same mixed load, for any build: run it on
# two checkouts (each with its Release build and a database its own generator made) to compare them.
#
#   tests/Registry.Load/memory.sh ROOT "Host=127.0.0.1;Port=57400;Username=postgres;Database=mine" PORT
#
# ROOT is the checkout whose src/Registry.Api/bin/Release build runs; the load tool is this checkout's. Prints one line.
set -euo pipefail
root=$1; connection=$2; port=$3
here=$(cd "$(dirname "$0")" && pwd)
key=$(grep -o 'DevelopmentAdminKey = "[^"]*"' "$here/Bench.cs" | cut -d'"' -f2)
base=http://127.0.0.1:$port/api/v1
ConnectionStrings__Registry="$connection" DOTNET_gcServer=0 Logging__LogLevel__Default=Warning \
  Registry__Auth__DevelopmentKeys=true Registry__RateLimit__PerSecond=1000000 Registry__RateLimit__Burst=1000000 \
  dotnet "$root/src/Registry.Api/bin/Release/net10.0/Registry.Api.dll" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
rss() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }
sleep 5; rest=$(rss)
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/fhir/metadata")
sleep 1; fhir="$(rss) (metadata: $status)"
postmaster=$(psql "$(echo "$connection" | sed 's/;/ /g; s/Host=/host=/; s/Port=/port=/; s/Username=/user=/; s/Database=/dbname=/')" -tAc \
  "select pid from pg_stat_activity where backend_type = 'checkpointer'" | xargs -I{} awk '{ print $4 }' /proc/{}/stat)
mixed=$(dotnet "$here/bin/Release/net10.0/Registry.Load.dll" mixed --url "http://127.0.0.1:$port" --connection "$connection" \
  --seconds 20 --warmup 10 --pids "$pid,$postmaster" 2>/dev/null | head -1)
for _ in $(seq 20); do curl -s -o /dev/null -H "Authorization: Bearer $key" "$base/analytics/outcomes-by-drug"; done
curl -s -o /dev/null -H "Authorization: Bearer $key" "$base/cases/export?format=csv"
curl -s -o /dev/null -H "Authorization: Bearer $key" "$base/cases/export?format=ndjson"
echo "$(basename "$(realpath "$root")"): RSS at rest $rest MB; after GET /fhir/metadata $fhir MB; after a mixed load ($mixed), 20 outcomes-by-drug and the CSV and NDJSON exports $(rss) MB, peak $(awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$pid/status") MB"
