#!/usr/bin/env bash
# ApplicationStart: start (or recreate) every service of the revision in the background.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "starting"
compose up --detach --remove-orphans
