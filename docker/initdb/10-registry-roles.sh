#!/usr/bin/env bash
# Runs once, when the postgres image initialises an empty volume (docker-entrypoint-initdb.d).
# registry      owns the database and its schema; the API migrates as it (ConnectionStrings__RegistryOwner).
# registry_api  what the API's requests log in as (ConnectionStrings__Registry): no superuser, no BYPASSRLS,
#               owns nothing; migration 0030 gives it only the grants it needs.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$REGISTRY_OWNER_PASSWORD" -v api_password="$REGISTRY_API_PASSWORD" <<'SQL'
CREATE ROLE registry LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB PASSWORD :'owner_password';
CREATE ROLE registry_api LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'api_password';
CREATE DATABASE registry OWNER registry;
SQL
