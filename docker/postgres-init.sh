#!/bin/sh
# Runs once, when the postgres container first initialises its data volume: creates the
# warehouse and the Airflow metadata databases, each owned by its own login role.
set -eu

create() {  # role, password, database, extra role options
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=role="$1" --set=pw="$2" --set=db="$3" <<SQL
CREATE ROLE :"role" LOGIN PASSWORD :'pw' $4;
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8';
SQL
}

# The warehouse owner creates the portal's row-security role in migration 0003.
create "$WAREHOUSE_DB_USER" "$WAREHOUSE_DB_PASSWORD" "$WAREHOUSE_DB" "CREATEROLE"
create "$AIRFLOW_DB_USER" "$AIRFLOW_DB_PASSWORD" "$AIRFLOW_DB" ""
