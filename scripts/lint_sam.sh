#!/usr/bin/env bash
# Lint the AWS SAM template offline: cfn-lint, then `sam validate --lint`.
#
# Both tools live in their own virtualenv under .tools/sam (git-ignored), created on first use:
# aws-sam-cli pins an older boto3 than the project uses, so it must not share the project venv.
# Needs only python3 and access to PyPI. No AWS account or network access to AWS is used.
#
# Usage: scripts/lint_sam.sh [TEMPLATE]   (default: template.yaml at the repository root)
# Env:   SAM_TOOLS_DIR  where the virtualenv lives (default: <repo>/.tools/sam)
#        PYTHON         interpreter that creates it (default: python3)
set -euo pipefail

readonly SAM_CLI_VERSION="1.170.0"
readonly CFN_LINT_VERSION="1.58.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${SAM_TOOLS_DIR:-${repo_root}/.tools/sam}"
template="${1:-${repo_root}/template.yaml}"
python="${PYTHON:-python3}"
stamp="${tools_dir}/.installed-sam-${SAM_CLI_VERSION}-cfnlint-${CFN_LINT_VERSION}"

log() { printf '[lint_sam] %s\n' "$*" >&2; }

make_venv() {
    if "${python}" -m venv "${tools_dir}" 2>/dev/null; then
        return 0
    fi
    # Debian's system python3 ships venv without ensurepip; the fix is one Debian package.
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "python3 -m venv failed; installing python3-venv with apt-get"
        rm -rf "${tools_dir}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        "${python}" -m venv "${tools_dir}"
        return 0
    fi
    log "cannot create a virtualenv with ${python}; install the venv module (python3-venv)"
    return 1
}

install_tools() {
    log "installing aws-sam-cli==${SAM_CLI_VERSION} cfn-lint==${CFN_LINT_VERSION} into ${tools_dir}"
    rm -rf "${tools_dir}"
    mkdir -p "$(dirname "${tools_dir}")"
    make_venv
    "${tools_dir}/bin/python" -m pip install --quiet --disable-pip-version-check \
        --upgrade pip
    "${tools_dir}/bin/python" -m pip install --quiet --disable-pip-version-check \
        "aws-sam-cli==${SAM_CLI_VERSION}" "cfn-lint==${CFN_LINT_VERSION}"
    # Written last: an interrupted install is redone on the next run.
    touch "${stamp}"
}

if [[ ! -f "${stamp}" ]]; then
    install_tools
fi

if [[ ! -f "${template}" ]]; then
    log "template not found: ${template}"
    exit 2
fi

# Keep the SAM CLI quiet and offline: no telemetry, no AWS credentials lookup beyond dummies.
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

log "cfn-lint ${template}"
"${tools_dir}/bin/cfn-lint" "${template}"

log "sam validate --lint ${template}"
"${tools_dir}/bin/sam" validate --lint --region us-east-1 --template "${template}"

log "ok"
