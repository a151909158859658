#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback, run the given command with TEST_DATABASE_URL set, stop it.
# Uses the Debian postgresql package's binaries; as root, the server runs as the 'postgres' user.
set -euo pipefail

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 3
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A fixed port would make two runs at once (two checkouts, two people on one machine) fail: take a free one.
PORT=${PGTEST_PORT:-}
if [ -z "$PORT" ]; then
  for candidate in $(seq 54329 54428); do
    if ! port_in_use "$candidate"; then
      PORT=$candidate
      break
    fi
  done
  [ -n "$PORT" ] || { echo "with-postgres: no free port in 54329-54428" >&2; exit 3; }
fi

DIR=$(mktemp -d /tmp/tracker-pg.XXXXXX)
RUN=()
if [ "$(id -u)" = "0" ]; then
  chown postgres:postgres "$DIR"
  RUN=(runuser -u postgres --)
fi
# Run from the server's own directory: the 'postgres' user may not be allowed into the caller's (e.g. /root).
pg() { (cd "$DIR" && "${RUN[@]}" "$@"); }
cleanup() {
  pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

pg "$PG_BIN/initdb" -D "$DIR/data" -U tracker --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
if ! pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c max_connections=60" \
  start >/dev/null; then
  echo "with-postgres: the server did not start on port $PORT:" >&2
  tail -n 20 "$DIR/server.log" >&2 || true
  exit 3
fi
pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U tracker tracker_test
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
export TEST_DATABASE_URL="postgresql+psycopg://tracker@127.0.0.1:$PORT/tracker_test"
"$@"
