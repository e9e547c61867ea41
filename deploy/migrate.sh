#!/usr/bin/env bash
# AfterInstall (2/2): apply the database migrations of the new revision, once, before it starts.
# A failing migration fails the deployment; CodeDeploy then rolls back to the last good revision.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "migrating"
compose run --rm migrate
