#!/usr/bin/env bash
# ApplicationStart: swap to the new release. The images are already pulled and the schema
# migrated (AfterInstall), so this only recreates the application containers whose image or
# settings changed; each one is replaced in a few seconds. PostgreSQL and Redis are started if
# they are not running, never recreated or restarted.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "data services: ${DATA_SERVICES[*]} (started if missing, never restarted)"
compose up --detach --no-recreate "${DATA_SERVICES[@]}"

mapfile -t services < <(app_services)
[[ ${#services[@]} -gt 0 ]] || die "no application service in ${COMPOSE_FILE_PATH}"
log "recreating what changed among: ${services[*]}"
# --no-deps: the migration already ran (migrate.sh); the data services are up.
compose up --detach --no-deps --remove-orphans "${services[@]}"
