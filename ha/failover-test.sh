#!/usr/bin/env bash
# Failover test (issue 14, point 4), on demand, not part of `dotnet test` (it takes about 2-3 minutes):
#
#   ha/failover-test.sh [--kill postmaster|node] [--writers 50] [--duration 60] [--kill-db-at 15] [--kill-api-at 35]
#
# Starts the topology (ha/run.sh up), runs ha/failover_test.py against it, prints the figures, stops it all
# (ha/run.sh down) and exits non-zero if an acknowledged write was lost, duplicated or left orphans.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/run.sh" up
trap '"$HERE/run.sh" down' EXIT
status=0; python3 "$HERE/failover_test.py" "$@" || status=$?
"$HERE/run.sh" status || true
exit "$status"
