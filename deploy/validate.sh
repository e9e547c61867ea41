#!/usr/bin/env bash
# ValidateService: the web must answer its health check ({"status": "ok"}, which needs the
# database too) within HEALTH_RETRIES × HEALTH_INTERVAL seconds, first on the instance, then
# through the path users take: CloudFront at SITE_URL (from the instance's app.env).
# Otherwise exit non-zero: the deployment fails and CodeDeploy rolls back.
#
#   HEALTH_URL         (http://127.0.0.1:8000/api/v1/health/)
#   PUBLIC_HEALTH_URL  (SITE_URL + /api/v1/health/; "off" skips it, e.g. before DNS exists;
#                      also read from app.env)
#   HEALTH_RETRIES     (30)
#   HEALTH_INTERVAL    seconds between tries (5)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

retries="${HEALTH_RETRIES:-30}"
interval="${HEALTH_INTERVAL:-5}"

# Answers 0 once the URL answers {"status": "ok"}, 1 after every retry failed.
wait_healthy() {
  local url="$1" attempt body
  for ((attempt = 1; attempt <= retries; attempt++)); do
    if body="$(curl --fail --silent --show-error --max-time 5 "${url}" 2>&1)" \
        && [[ "${body}" == *'"ok"'* ]]; then
      log "${url} healthy after ${attempt} attempt(s): ${body}"
      return 0
    fi
    log "attempt ${attempt}/${retries}: ${url} not healthy yet (${body:-no answer})"
    if ((attempt < retries)); then
      sleep "${interval}"
    fi
  done
  log "ERROR: ${url} never became healthy"
  return 1
}

show_state() {
  log "state of the stack:"
  compose ps || true
  compose logs --no-color --tail 100 web migrate || true
}

local_url="${HEALTH_URL:-http://127.0.0.1:8000/api/v1/health/}"
# CodeDeploy passes no environment to hooks: the instance's app.env (merged) may set it too.
site_url="$(env_value SITE_URL "${MERGED_ENV}")"
public_url="${PUBLIC_HEALTH_URL:-$(env_value PUBLIC_HEALTH_URL "${MERGED_ENV}")}"
public_url="${public_url:-${site_url:+${site_url%/}/api/v1/health/}}"

wait_healthy "${local_url}" || { show_state; exit 1; }
if [[ -z "${public_url}" || "${public_url}" == off ]]; then
  log "no public URL to check (SITE_URL is empty or PUBLIC_HEALTH_URL=off)"
  exit 0
fi
wait_healthy "${public_url}" || { show_state; exit 1; }
