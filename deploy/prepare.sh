#!/usr/bin/env bash
# BeforeInstall: check the instance can run the revision, before CodeDeploy copies it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v docker >/dev/null 2>&1 || die "docker is not installed (docs/ci-cd.md, 'EC2 instances')"
docker compose version >/dev/null || die "the docker compose plugin is missing"
command -v aws >/dev/null 2>&1 || die "the AWS CLI is not installed (needed to log in to ECR)"
[[ -f "${APP_ENV_FILE}" ]] || die "${APP_ENV_FILE} is missing: copy deploy/env.example there and fill it in"
mkdir -p "${APP_DIR}"
log "instance ready"
