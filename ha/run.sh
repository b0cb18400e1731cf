#!/usr/bin/env bash
# The HFS Registry on a highly available stack, on this one machine, over 127.0.0.1 (issue 14):
#
#   ha/run.sh up        build the API, start everything below, print the endpoints, return (it keeps running)
#   ha/run.sh status    what runs, which node is the primary (patronictl list)
#   ha/run.sh down      stop everything this command started (by pid), keep the data directory
#   ha/run.sh clean     down, then delete the data directory
#
#   etcd                         127.0.0.1:56700 (peer 56701)                 the DCS Patroni elects a leader in
#   Patroni node1..node3         PostgreSQL 56711..56713, REST API 56721..56723, synchronous_mode: true
#   HAProxy                      write 56730 (REST check /primary), read 56731 (/replica), stats 56739
#   pgbouncer (session mode) 56735 -> HAProxy write port (API instance 2 writes through it)
#   API instances                56751, 56752 (api1 -> HAProxy directly, api2 -> pgbouncer)
#   nginx                        56740 -> both API instances (X-Forwarded-For, the instances trust 127.0.0.1)
#
# Data and logs go to $HFS_HA_DIR (default ${TMPDIR:-/tmp}/hfs-registry-ha). Missing Debian packages (patroni,
# etcd-server, haproxy, nginx, pgbouncer, postgresql) are installed with apt-get the way ./run.sh installs
# postgresql (as root, or through sudo). Ports can be moved as a block with HFS_HA_PORT_BASE (default 56700).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${HFS_HA_DIR:-${TMPDIR:-/tmp}/hfs-registry-ha}"
BASE="${HFS_HA_PORT_BASE:-56700}"
ETCD_PORT=$BASE; ETCD_PEER=$((BASE + 1))
PG_PORTS=($((BASE + 11)) $((BASE + 12)) $((BASE + 13)))
REST_PORTS=($((BASE + 21)) $((BASE + 22)) $((BASE + 23)))
WRITE_PORT=$((BASE + 30)); READ_PORT=$((BASE + 31)); BOUNCER_PORT=$((BASE + 35)); STATS_PORT=$((BASE + 39))
LB_PORT=$((BASE + 40)); API_PORTS=($((BASE + 51)) $((BASE + 52)))
API_DLL="$ROOT/src/Registry.Api/bin/Release/net10.0/Registry.Api.dll"
SCOPE=hfs-registry

log() { printf 'ha/run.sh: %s\n' "$*" >&2; }
die() { printf 'ha/run.sh: error: %s\n' "$*" >&2; exit 1; }

IS_ROOT=false; [[ "$(id -u)" == 0 ]] && IS_ROOT=true
SUDO=(); $IS_ROOT || SUDO=(sudo)
# PostgreSQL (and so Patroni) refuses to run as root: as root, the cluster runs as the 'postgres' user.
AS_PG=(); $IS_ROOT && AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_pg() { "${AS_PG[@]}" "$@"; }

install_packages() {
    local missing=() pair
    for pair in patroni:patroni etcd:etcd-server etcdctl:etcd-client haproxy:haproxy nginx:nginx-light pgbouncer:pgbouncer; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || [[ -x "/usr/sbin/${pair%%:*}" ]] || missing+=("${pair#*:}")
    done
    ls /usr/lib/postgresql/15/bin/initdb >/dev/null 2>&1 || missing+=(postgresql-15)
    ((${#missing[@]})) || return 0
    log "installing Debian packages: ${missing[*]}"
    command -v apt-get >/dev/null || die "no apt-get here: install ${missing[*]} yourself."
    if ! $IS_ROOT; then command -v sudo >/dev/null || die "installing ${missing[*]} needs root, and sudo is missing."; fi
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts the packaged services where an init system runs; this topology runs its own copies.
    for service in etcd haproxy nginx pgbouncer; do "${SUDO[@]}" systemctl disable --now "$service" >/dev/null 2>&1 || true; done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local deadline=$((SECONDS + $1)) what=$2; shift 2
    until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || die "$what did not come up within the limit; see the logs in $DIR"; sleep 0.5; done
}
alive() { [[ -s "$DIR/$1.pid" ]] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }
# Starts a program in the background with its output in $DIR/NAME.log and its pid in $DIR/NAME.pid.
spawn() { local name=$1; shift; setsid "$@" >>"$DIR/$name.log" 2>&1 < /dev/null & echo $! > "$DIR/$name.pid"; }

patroni_config() { # patroni_config N
    local n=$1 i=$(($1 - 1))
    cat <<YAML
scope: $SCOPE
name: node$n
log: { level: INFO }
restapi:
  listen: 127.0.0.1:${REST_PORTS[$i]}
  connect_address: 127.0.0.1:${REST_PORTS[$i]}
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    # Failover budget (docs/ha.md): a dead leader's key expires after ttl; loop_wait is the HA loop's period;
    # retry_timeout bounds a DCS/PostgreSQL operation (loop_wait + 2 * retry_timeout <= ttl).
    ttl: ${HFS_HA_TTL:-10}
    loop_wait: ${HFS_HA_LOOP_WAIT:-2}
    retry_timeout: ${HFS_HA_RETRY_TIMEOUT:-4}
    # A crashed primary fails over to the synchronous standby (which has every acknowledged commit) at once, rather
    # than being restarted in place: that restart's crash recovery took 8 s of the 14.5 s write gap measured here.
    primary_start_timeout: ${HFS_HA_PRIMARY_START_TIMEOUT:-0}
    maximum_lag_on_failover: 1048576
    # An acknowledged commit is on the primary and on the synchronous standby; only that standby may be promoted.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        hot_standby_feedback: "on"
  initdb:
    - encoding: UTF8
    - locale: C
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${PG_PORTS[$i]}
  connect_address: 127.0.0.1:${PG_PORTS[$i]}
  data_dir: $DIR/node$n/data
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: $DIR/node$n/pgpass
  authentication:
    replication: { username: replicator, password: replicator }
    superuser: { username: postgres, password: postgres }
  parameters:
    unix_socket_directories: $DIR/node$n
YAML
}

haproxy_config() {
    local i
    cat <<CFG
global
    maxconn 2000
defaults
    mode tcp
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 1s
listen stats
    mode http
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
# Writes: only the node whose Patroni REST API answers 200 on /primary. A node marked down has its sessions cut,
# so clients reconnect (to the new primary) instead of waiting on a dead socket.
listen registry_write
    bind 127.0.0.1:$WRITE_PORT
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 1s fastinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for i in 0 1 2; do echo "    server node$((i + 1)) 127.0.0.1:${PG_PORTS[$i]} check port ${REST_PORTS[$i]}"; done
    cat <<CFG
# Reads (analytics, exports, searches): the replicas, round robin; the primary only when no replica is up.
listen registry_read
    bind 127.0.0.1:$READ_PORT
    balance roundrobin
    option httpchk GET /replica
    http-check expect status 200
    default-server inter 1s fastinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for i in 0 1 2; do echo "    server node$((i + 1)) 127.0.0.1:${PG_PORTS[$i]} check port ${REST_PORTS[$i]}"; done
    # No replica up (both lost, or one promoted and the other not yet streaming): the write port, i.e. the primary.
    echo "    server primary 127.0.0.1:$WRITE_PORT backup"
}

pgbouncer_config() {
    cat <<CFG
[databases]
registry = host=127.0.0.1 port=$WRITE_PORT dbname=registry
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/pgbouncer/userlist.txt
pool_mode = session
max_client_conn = 500
default_pool_size = 40
server_reset_query = DISCARD ALL
# After a failover the primary's address is the same (HAProxy's write port): retry logins at once, not after 15 s.
server_login_retry = 1
ignore_startup_parameters = extra_float_digits,options
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer/pgbouncer.pid
CFG
}

nginx_config() {
    cat <<CFG
worker_processes 1;
error_log $DIR/nginx.log warn;
pid $DIR/nginx/nginx.pid;
daemon off;
$($IS_ROOT && echo "user root;")
events { worker_connections 1024; }
http {
    access_log $DIR/nginx-access.log;
    client_body_temp_path $DIR/nginx/body; proxy_temp_path $DIR/nginx/proxy;
    fastcgi_temp_path $DIR/nginx/fastcgi; uwsgi_temp_path $DIR/nginx/uwsgi; scgi_temp_path $DIR/nginx/scgi;
    client_max_body_size 64m;
    upstream registry_api {
        server 127.0.0.1:${API_PORTS[0]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:${API_PORTS[1]} max_fails=1 fail_timeout=5s;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$LB_PORT;
        location / {
            proxy_pass http://registry_api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # A request that found a dead instance (connection refused/reset before an answer) goes to the other
            # one, POSTs too: writes carry Idempotency-Keys, so a replay stores nothing twice.
            proxy_next_upstream error timeout non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_read_timeout 120s;
        }
    }
}
CFG
}

api_env() { # api_env N WRITE_CONNECTION_STRING: the env(1) prefix that runs API instance N
    local n=$1 write=$2
    API_ENV=(env ASPNETCORE_URLS="http://127.0.0.1:${API_PORTS[$((n - 1))]}" ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
        DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0 \
        ConnectionStrings__Registry="$write" \
        ConnectionStrings__RegistryRead="Host=127.0.0.1;Port=$READ_PORT;Database=registry;Username=postgres;Password=postgres" \
        ConnectionStrings__RegistryOwner="Host=127.0.0.1;Port=$WRITE_PORT;Database=registry;Username=postgres;Password=postgres" \
        Registry__Proxy__KnownProxies=127.0.0.1 Registry__RateLimit__Instances=2)
}

write_port_on_primary() {
    [[ "$(psql -X -h 127.0.0.1 -p $WRITE_PORT -U postgres -d postgres -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" == f ]] \
        && [[ "$(psql -X -h 127.0.0.1 -p $WRITE_PORT -U postgres -d postgres -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" == f ]]
}

primary_rest_port() {
    local i
    for i in 0 1 2; do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${REST_PORTS[$i]}/primary")" == 200 ]] && { echo "${REST_PORTS[$i]}"; return 0; }
    done
    return 1
}

up() {
    install_packages
    command -v dotnet >/dev/null || die "the .NET 10 SDK ('dotnet') is not on PATH."
    if alive etcd; then die "the topology already runs from $DIR (ha/run.sh down first)."; fi
    local port
    for port in $ETCD_PORT $ETCD_PEER "${PG_PORTS[@]}" "${REST_PORTS[@]}" $WRITE_PORT $READ_PORT $BOUNCER_PORT $STATS_PORT $LB_PORT "${API_PORTS[@]}"; do
        port_free "$port" || die "port $port is taken; move the block with HFS_HA_PORT_BASE=NNNNN."
    done
    rm -rf "$DIR"; mkdir -p "$DIR"/{etcd,nginx,pgbouncer,node1,node2,node3}; chmod 755 "$DIR"
    log "data and logs in $DIR"

    log "building the API (Release)..."
    dotnet build "$ROOT/src/Registry.Api/Registry.Api.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >"$DIR/build.log" 2>&1 \
        || { cat "$DIR/build.log" >&2; die "the build failed."; }

    log "etcd on 127.0.0.1:$ETCD_PORT"
    spawn etcd etcd --name ha --data-dir "$DIR/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
        --initial-cluster "ha=http://127.0.0.1:$ETCD_PEER" --enable-v2=true
    wait_for 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"

    local n
    for n in 1 2 3; do
        patroni_config $n > "$DIR/node$n/patroni.yml"
        $IS_ROOT && chown -R postgres:postgres "$DIR/node$n"
        log "Patroni node$n: PostgreSQL 127.0.0.1:${PG_PORTS[$((n - 1))]}, REST 127.0.0.1:${REST_PORTS[$((n - 1))]}"
        spawn "patroni-node$n" "${AS_PG[@]}" patroni "$DIR/node$n/patroni.yml"
        # The first node bootstraps the cluster; the others clone it once it leads.
        ((n > 1)) || wait_for 120 "the first Patroni node (primary)" primary_rest_port
    done
    for n in 2 3; do wait_for 180 "replica node$n" curl -sf "http://127.0.0.1:${REST_PORTS[$((n - 1))]}/replica"; done

    haproxy_config > "$DIR/haproxy.cfg"
    log "HAProxy: write 127.0.0.1:$WRITE_PORT, read 127.0.0.1:$READ_PORT, stats http://127.0.0.1:$STATS_PORT/"
    spawn haproxy haproxy -db -f "$DIR/haproxy.cfg"
    # HAProxy counts a server up until its first check says otherwise: wait until the write port reaches the primary.
    wait_for 30 "HAProxy's write port" write_port_on_primary
    psql -X -q -h 127.0.0.1 -p $WRITE_PORT -U postgres -d postgres -c 'CREATE DATABASE registry'

    pgbouncer_config > "$DIR/pgbouncer/pgbouncer.ini"
    echo '"postgres" "postgres"' > "$DIR/pgbouncer/userlist.txt"
    $IS_ROOT && chown -R postgres:postgres "$DIR/pgbouncer"
    log "pgbouncer (session mode) on 127.0.0.1:$BOUNCER_PORT"
    touch "$DIR/pgbouncer.log"; $IS_ROOT && chown postgres:postgres "$DIR/pgbouncer.log"
    spawn pgbouncer "${AS_PG[@]}" pgbouncer "$DIR/pgbouncer/pgbouncer.ini"

    local direct="Host=127.0.0.1;Port=$WRITE_PORT;Database=registry;Username=postgres;Password=postgres"
    local bounced="Host=127.0.0.1;Port=$BOUNCER_PORT;Database=registry;Username=postgres;Password=postgres"
    log "API instances on 127.0.0.1:${API_PORTS[0]} (HAProxy) and 127.0.0.1:${API_PORTS[1]} (pgbouncer)"
    api_env 1 "$direct"; spawn api1 "${API_ENV[@]}" dotnet "$API_DLL"
    wait_for 180 "API instance 1" curl -sf "http://127.0.0.1:${API_PORTS[0]}/health/ready"
    api_env 2 "$bounced"; spawn api2 "${API_ENV[@]}" Registry__Database__Pooler=pgbouncer-session dotnet "$API_DLL"
    wait_for 180 "API instance 2" curl -sf "http://127.0.0.1:${API_PORTS[1]}/health/ready"

    nginx_config > "$DIR/nginx/nginx.conf"
    log "nginx on 127.0.0.1:$LB_PORT -> both API instances"
    spawn nginx nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx"
    wait_for 30 nginx curl -sf "http://127.0.0.1:$LB_PORT/health/ready"
    status
    log "up. The API: http://127.0.0.1:$LB_PORT (development keys, README). Stop with: ha/run.sh down"
}

stop_pid() { # stop_pid NAME [SIGNAL]: TERM (or SIGNAL), wait up to 30 s, then KILL
    local name=$1 pid
    [[ -s "$DIR/$name.pid" ]] || return 0
    pid="$(cat "$DIR/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "-${2:-TERM}" "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 30))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then log "$name ($pid) did not stop; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
        log "stopped $name ($pid)"
    fi
    rm -f "$DIR/$name.pid"
}

down() {
    [[ -d "$DIR" ]] || { log "nothing runs from $DIR"; return 0; }
    stop_pid nginx QUIT
    stop_pid api1; stop_pid api2
    stop_pid pgbouncer; stop_pid haproxy
    # Replicas first, then the primary, so that stopping does not trigger a failover.
    local leader="" n
    for n in 1 2 3; do [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${REST_PORTS[$((n - 1))]}/primary")" == 200 ]] && leader=$n; done
    for n in 1 2 3; do [[ "$n" == "$leader" ]] || stop_pid "patroni-node$n"; done
    [[ -z "$leader" ]] || stop_pid "patroni-node$leader"
    # A postmaster left behind by a Patroni that was killed (the failover test does that).
    for n in 1 2 3; do
        if [[ -s "$DIR/node$n/data/postmaster.pid" ]]; then
            as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$DIR/node$n/data" -m immediate stop >/dev/null 2>&1 || true
        fi
    done
    stop_pid etcd
    log "down (data and logs kept in $DIR; 'ha/run.sh clean' deletes them)"
}

status() {
    local name
    for name in etcd patroni-node1 patroni-node2 patroni-node3 haproxy pgbouncer api1 api2 nginx; do
        if alive "$name"; then printf '  %-14s running (pid %s)\n' "$name" "$(cat "$DIR/$name.pid")"; else printf '  %-14s not running\n' "$name"; fi
    done
    if alive etcd; then patronictl -c "$DIR/node1/patroni.yml" list 2>/dev/null || true; fi
    curl -s "http://127.0.0.1:$LB_PORT/health/ready" 2>/dev/null && echo || true
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    clean) down; rm -rf "$DIR"; log "deleted $DIR" ;;
    *) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
