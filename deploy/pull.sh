#!/usr/bin/env bash
# AfterInstall (1/2): write the merged .env, log in to ECR and pull the revision's images while
# the previous release keeps serving (nothing is stopped before or during the pull). Only the
# application images are pulled: a newer postgres/redis image must not restart the data.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f "${RELEASE_ENV}" ]] || die "${RELEASE_ENV} is missing from the revision bundle"
[[ -f "${APP_ENV_FILE}" ]] || die "${APP_ENV_FILE} is missing"

# Secrets first, then the release (image digests win). Only root can read the result.
(
  umask 077
  { cat "${APP_ENV_FILE}"; printf '\n'; cat "${RELEASE_ENV}"; } >"${MERGED_ENV}.tmp"
)
mv "${MERGED_ENV}.tmp" "${MERGED_ENV}"

registry="$(env_value ECR_REGISTRY "${RELEASE_ENV}")"
region="$(env_value AWS_REGION "${RELEASE_ENV}")"
[[ -n "${registry}" ]] || die "ECR_REGISTRY is not set in ${RELEASE_ENV}"
[[ -n "${region}" ]] || die "AWS_REGION is not set in ${RELEASE_ENV}"

log "logging in to ${registry}"
aws ecr get-login-password --region "${region}" \
  | docker login --username AWS --password-stdin "${registry}"

mapfile -t services < <(app_services)
[[ ${#services[@]} -gt 0 ]] || die "no application service in ${COMPOSE_FILE_PATH}"
log "pulling release $(env_value RELEASE "${RELEASE_ENV}"): ${services[*]}"
compose pull --quiet migrate "${services[@]}"
