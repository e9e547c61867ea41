#!/usr/bin/env bash
# ApplicationStop: stop the running stack (the previous revision's containers). Volumes stay.
# Tolerant: the first deployment on a fresh instance has nothing to stop, and a broken previous
# revision must not block the deployment that replaces it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v docker >/dev/null 2>&1; then
  log "docker is not installed: nothing to stop"
  exit 0
fi
if [[ -f "${COMPOSE_FILE_PATH}" && -f "${MERGED_ENV}" ]] \
    && compose down --remove-orphans --timeout 60; then
  log "stopped"
  exit 0
fi
# No (usable) compose file: stop whatever runs under the project name.
if docker compose --project-name "${COMPOSE_PROJECT}" down --remove-orphans --timeout 60; then
  log "stopped (by project name)"
else
  log "nothing was running, or it could not be stopped; carrying on"
fi
