#!/usr/bin/env bash
# `make test`: install the pinned dependencies, start a throwaway PostgreSQL and Redis unless
# DATABASE_URL / REDIS_URL point at running ones, then run pytest against them.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
compile_messages
if ! command -v chromium >/dev/null && [ -z "${PLAYWRIGHT_CHROMIUM:-}" ]; then
  apt_install chromium fonts-liberation || log "chromium missing: browser tests will be skipped"
fi

WORK=$(mktemp -d /tmp/ticketseller-test.XXXXXX)
chmod 755 "$WORK"
cleanup() { stop_redis; stop_postgres; rm -rf "$WORK"; }
trap cleanup EXIT

[ -n "${DATABASE_URL:-}" ] || start_postgres "$WORK/pg"
[ -n "${REDIS_URL:-}" ] || start_redis "$WORK/redis"
export VAR_DIR="$WORK/var" DJANGO_ALLOW_ASYNC_UNSAFE=true

"$ROOT/.venv/bin/python" -m pytest "$@"
