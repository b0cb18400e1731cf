#!/usr/bin/env bash
# Starts a private Docker engine for CI in the background (Debian's docker.io, installed when missing) and
# prints its pid; the caller stops it by that pid. When an engine already answers on the socket it is used as
# it is and nothing is printed. The socket is $HFS_DOCKER_SOCKET; images live under
# /var/cache/hfs-registry/docker, so an image built by one CI run is still there for the next on this machine.
#
# No iptables rules and no masquerading (nothing here needs to reach out), but the default bridge stays: with
# --bridge=none there are no port bindings and Testcontainers waits for one forever.
set -euo pipefail

socket="${HFS_DOCKER_SOCKET:-/run/hfs-registry-docker/docker.sock}"
cache="${HFS_REGISTRY_CACHE:-/var/cache/hfs-registry}"
log() { printf 'docker-engine: %s\n' "$*" >&2; }

if ! command -v dockerd >/dev/null 2>&1; then
    "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" docker.io
fi

if DOCKER_HOST="unix://$socket" docker version >/dev/null 2>&1; then
    log "an engine already answers on unix://$socket; using it (and leaving it running)"
    exit 0
fi

run_dir="$(dirname "$socket")"
mkdir -p "$run_dir" "$cache/docker"
dockerd --data-root "$cache/docker" --exec-root "$run_dir/exec" --pidfile "$run_dir/dockerd.pid" \
    -H "unix://$socket" --iptables=false --ip-masq=false >"$run_dir/dockerd.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
    if DOCKER_HOST="unix://$socket" docker version >/dev/null 2>&1; then
        log "engine $pid answers on unix://$socket"
        echo "$pid"
        exit 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
done
log "the engine did not start; its log:"
tail -n 30 "$run_dir/dockerd.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
