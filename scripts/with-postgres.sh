#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback, run the given command with TEST_DATABASE_URL set, stop it.
# Uses the Debian postgresql package's binaries; as root, the server runs as the 'postgres' user.
set -euo pipefail

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 3
fi
PORT=${PGTEST_PORT:-54329}
DIR=$(mktemp -d /tmp/tracker-pg.XXXXXX)
RUN=()
if [ "$(id -u)" = "0" ]; then
  chown postgres:postgres "$DIR"
  RUN=(runuser -u postgres --)
fi
cleanup() {
  "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

"${RUN[@]}" "$PG_BIN/initdb" -D "$DIR/data" -U tracker --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUN[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c max_connections=60" \
  start >/dev/null
"${RUN[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U tracker tracker_test
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
export TEST_DATABASE_URL="postgresql+psycopg://tracker@127.0.0.1:$PORT/tracker_test"
"$@"
