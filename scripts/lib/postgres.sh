# Throwaway and private PostgreSQL servers for tests and the demo.
# Sourced by scripts/test and scripts/demo; needs bash.
#
# initdb refuses to run as root, so as root the server runs as the `postgres`
# system user (created by Debian's postgresql package) and its directory is
# handed to that user. Servers listen on 127.0.0.1 only, on a free port, with
# their socket in their own directory, so another PostgreSQL on 5432 does not
# matter.

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x "$dir/initdb" ]] || { echo "postgres: no PostgreSQL server found under /usr/lib/postgresql" >&2; return 1; }
  echo "$dir"
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the user that owns the server.
pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_init DIR: creates a cluster in DIR/data (trust auth, superuser "postgres").
pg_init() {
  local dir=$1 bin
  bin=$(pg_bindir)
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  pg_as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
}

# pg_start DIR PORT: starts the cluster in DIR/data on 127.0.0.1:PORT and waits until it answers.
# PG_OPTIONS adds server settings (the tests turn durability off for speed).
pg_start() {
  local dir=$1 port=$2 bin
  bin=$(pg_bindir)
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${PG_OPTIONS:-}" start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; return 1; }
}

# pg_stop DIR: fast shutdown; quiet when it is not running.
pg_stop() {
  local dir=$1 bin
  bin=$(pg_bindir) || return 0
  [[ -f "$dir/data/postmaster.pid" ]] || return 0
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# pg_running DIR: true when the cluster in DIR/data is up.
pg_running() {
  local dir=$1 bin
  bin=$(pg_bindir) || return 1
  [[ -d "$dir/data" ]] && pg_as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

pg_url() {
  local port=$1 database=${2:-postgres}
  echo "postgresql://postgres@127.0.0.1:$port/$database"
}
