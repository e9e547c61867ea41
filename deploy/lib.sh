# Shared by the CodeDeploy lifecycle scripts (appspec.yml). Sourced, not executed.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
#
# Overridable from the environment (the tests do):
#   APP_DIR        where CodeDeploy installs the revision       (/opt/ticketseller)
#   APP_ENV_FILE   the instance's secrets, see deploy/env.example (/etc/ticketseller/app.env)
#   COMPOSE_FILE_PATH  the compose file                          ($APP_DIR/deploy/docker-compose.prod.yml)
# `docker`, `aws` and `curl` are whatever comes first on PATH.

APP_DIR="${APP_DIR:-/opt/ticketseller}"
APP_ENV_FILE="${APP_ENV_FILE:-/etc/ticketseller/app.env}"
COMPOSE_FILE_PATH="${COMPOSE_FILE_PATH:-${APP_DIR}/deploy/docker-compose.prod.yml}"
COMPOSE_PROJECT="${COMPOSE_PROJECT:-ticketseller}"
RELEASE_ENV="${APP_DIR}/deploy/release.env"
MERGED_ENV="${APP_DIR}/.env"

# The CodeDeploy agent may start hooks with a short PATH; keep the caller's entries first.
export PATH="${PATH}:/usr/local/bin:/usr/bin:/bin"

log() { printf '[deploy/%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# docker compose on the production file, with the merged .env for the ${...} in it.
compose() {
  docker compose --project-name "${COMPOSE_PROJECT}" --project-directory "${APP_DIR}" \
    --env-file "${MERGED_ENV}" -f "${COMPOSE_FILE_PATH}" "$@"
}

# The services that hold data: a deployment starts them when they are missing and never
# restarts them.
DATA_SERVICES=(postgres redis)

# The application services of the compose file (active profiles only), one per line: every
# service but the data services and the one-shot `migrate` (migrate.sh runs it).
app_services() {
  local services
  services="$(compose config --services)" || return 1
  printf '%s\n' "${services}" | grep -vx -e postgres -e redis -e migrate
}

# The value of KEY in an env file (last one wins, surrounding quotes removed), or "".
env_value() {
  local key="$1" file="$2" line value=""
  [[ -f "${file}" ]] || { printf ''; return 0; }
  while IFS= read -r line || [[ -n "${line}" ]]; do
    if [[ "${line}" == "${key}="* ]]; then
      value="${line#"${key}="}"
    fi
  done <"${file}"
  value="${value%\'}"; value="${value#\'}"
  value="${value%\"}"; value="${value#\"}"
  printf '%s' "${value}"
}
