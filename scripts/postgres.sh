#!/usr/bin/env bash
# Makes sure a local PostgreSQL server runs (Debian's cluster tools: the newest installed major version, cluster
# "main" unless one exists), creates the test role and database if missing, and prints a connection string for
# them on stdout (everything else goes to stderr):
#   export TESSERA_TEST_POSTGRES="$(scripts/postgres.sh)"
# The role may create databases: each PostgreSQL test makes its own and drops it. Idempotent.
# TESSERA_PG_USER / TESSERA_PG_PASSWORD / TESSERA_PG_DATABASE override the names (default: tessera).
set -euo pipefail
user="${TESSERA_PG_USER:-tessera}"
password="${TESSERA_PG_PASSWORD:-tessera}"
database="${TESSERA_PG_DATABASE:-tessera}"
say() { echo "postgres.sh: $*" >&2; }
cd / # the postgres user may not be allowed into the caller's folder, and nothing here is relative to it

if ! command -v pg_ctlcluster >/dev/null; then
  say "pg_ctlcluster not found: install PostgreSQL first (scripts/fetch-deps.sh does, from Debian packages)"
  exit 1
fi

# Runs a command as the server's superuser (peer authentication over the local socket).
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres -- "$@"
  fi
}

# The newest cluster (version, name, port, status); create "main" for the newest installed server if there is none.
read_cluster() { pg_lsclusters -h | sort -k1,1nr | head -1; }
cluster="$(read_cluster)"
if [ -z "$cluster" ]; then
  version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  say "creating cluster $version main"
  pg_createcluster "$version" main >&2
  cluster="$(read_cluster)"
fi
read -r version name port status _ <<<"$cluster"
if [[ "$status" != online* ]]; then
  say "starting cluster $version $name"
  pg_ctlcluster "$version" "$name" start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { say "server $version $name did not accept connections on port $port"; exit 1; }

psql_su() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }
psql_su -v user="$user" -v password="$password" >&2 <<'SQL'
SELECT format('CREATE ROLE %I', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
SQL
# Through stdin, because psql -c does not expand :'variables'.
exists="$(psql_su -tA -v database="$database" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'database';
SQL
)"
if [ -z "$exists" ]; then
  say "creating database $database"
  as_postgres createdb -p "$port" -O "$user" "$database" >&2
fi
echo "Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$database"
