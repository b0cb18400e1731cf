#!/usr/bin/env bash
# Installs Debian packages: apt-get as root, through sudo otherwise. Usage: .ci/apt-install.sh PACKAGE...
set -euo pipefail
printf 'apt-install: installing Debian'\''s %s\n' "$*" >&2
sudo=(); [[ "$(id -u)" == 0 ]] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
