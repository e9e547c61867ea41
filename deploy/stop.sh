#!/usr/bin/env bash
# ApplicationStop: deliberately stops nothing. The previous revision keeps serving while the
# new images are pulled (pull.sh, up to 900 s) and migrated (migrate.sh); start.sh then
# recreates only the application containers whose image or settings changed. PostgreSQL and
# Redis are never stopped by a deployment: their data and the queues stay up throughout.
# (CodeDeploy runs this hook from the PREVIOUS revision: the first deployment after an older
# revision still runs that revision's stop.sh, which took the stack down.)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "nothing to stop: the running release serves until start.sh swaps its containers"
