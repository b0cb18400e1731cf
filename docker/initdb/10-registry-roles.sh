#!/usr/bin/env bash
# Runs once, when the postgres image initialises an empty volume (docker-entrypoint-initdb.d).
# registry      owns the database and its schema; the API migrates as it (ConnectionStrings__RegistryOwner).
# registry_api  what the API's requests log in as (ConnectionStrings__Registry): no superuser, no BYPASSRLS,
#               owns nothing; migration 0030 gives it only the grants it needs.
# registry_admin, registry_analyst, registry_hospital
#               what a request acts as, by its key's role (migration 0041): registry_api is a NOINHERIT member of
#               each, so it may switch to them but holds none of their row-level security policies itself. Created
#               here because the owner has no CREATEROLE.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$REGISTRY_OWNER_PASSWORD" -v api_password="$REGISTRY_API_PASSWORD" <<'SQL'
CREATE ROLE registry LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB PASSWORD :'owner_password';
CREATE ROLE registry_api LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'api_password';
CREATE ROLE registry_admin NOLOGIN;
CREATE ROLE registry_analyst NOLOGIN;
CREATE ROLE registry_hospital NOLOGIN;
GRANT registry_admin, registry_analyst, registry_hospital TO registry_api;
ALTER ROLE registry_api NOINHERIT;
CREATE DATABASE registry OWNER registry;
SQL
