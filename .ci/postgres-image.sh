#!/usr/bin/env bash
# Builds a local PostgreSQL 15 Docker image from Debian packages, for machines whose Docker engine cannot pull
# from an image registry (CI here). It behaves like the official postgres:15 image as far as Testcontainers'
# PostgreSqlBuilder needs: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, extra arguments passed to postgres
# (`-c fsync=off` ...), pg_isready on PATH, port 5432.
#
# Usage: .ci/postgres-image.sh [IMAGE]   (default hfs-registry/postgres:15-debian)
# Needs a running engine for `docker import`; installs debootstrap when missing. The root file system is cached as a tarball
# under /var/cache/hfs-registry, so a second build on the same machine skips debootstrap; an image the engine
# already has is kept as it is.
set -euo pipefail

image="${1:-hfs-registry/postgres:15-debian}"
cache="${HFS_REGISTRY_CACHE:-/var/cache/hfs-registry}"
rootfs_tar="$cache/postgres15-bookworm-rootfs.tar"
log() { printf 'postgres-image: %s\n' "$*" >&2; }

if docker image inspect "$image" >/dev/null 2>&1; then
    log "$image is already there"
    exit 0
fi

if [[ ! -s "$rootfs_tar" ]]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" debootstrap
    fi
    mkdir -p "$cache"
    root="$(mktemp -d "$cache/rootfs.XXXXXX")"
    trap 'rm -rf "$root"' EXIT
    mirror="$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)"
    log "debootstrap bookworm with postgresql-15 into $root (${mirror:-default mirror}); takes a few minutes"
    debootstrap --variant=minbase --include=postgresql-15 bookworm "$root" ${mirror:+"$mirror"} >&2
    install -m 0755 "$(dirname "${BASH_SOURCE[0]}")/postgres-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
    # The package's own cluster (15/main) is not used: the entrypoint initialises PGDATA on first start.
    rm -rf "$root/var/lib/postgresql/15" "$root/etc/postgresql/15" "$root/var/cache/apt/archives/"*.deb
    tar -C "$root" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
fi

log "importing $rootfs_tar as $image"
docker import \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'EXPOSE 5432' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]' \
    "$rootfs_tar" "$image" >/dev/null
log "built $image"
