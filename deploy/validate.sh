#!/usr/bin/env bash
# ValidateService: the web must answer its health check ({"status": "ok"}, which needs the
# database too) within HEALTH_RETRIES × HEALTH_INTERVAL seconds. Otherwise exit non-zero:
# the deployment fails and CodeDeploy rolls back to the previous revision.
#
#   HEALTH_URL       (http://127.0.0.1:8000/api/v1/health/)
#   HEALTH_RETRIES   (30)
#   HEALTH_INTERVAL  seconds between tries (5)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

url="${HEALTH_URL:-http://127.0.0.1:8000/api/v1/health/}"
retries="${HEALTH_RETRIES:-30}"
interval="${HEALTH_INTERVAL:-5}"

for ((attempt = 1; attempt <= retries; attempt++)); do
  if body="$(curl --fail --silent --show-error --max-time 5 "${url}" 2>&1)" \
      && [[ "${body}" == *'"ok"'* ]]; then
    log "healthy after ${attempt} attempt(s): ${body}"
    exit 0
  fi
  log "attempt ${attempt}/${retries}: not healthy yet (${body:-no answer})"
  if ((attempt < retries)); then
    sleep "${interval}"
  fi
done

log "ERROR: ${url} never became healthy; state of the stack:"
compose ps || true
compose logs --no-color --tail 100 web migrate || true
exit 1
