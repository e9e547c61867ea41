#!/usr/bin/env bash
# `make checks`: every static check, in one list that `.ci/run` and the GitHub CI workflow both
# call, so the two cannot drift. Needs shellcheck on PATH (apt); installs the rest itself.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

step() { printf '\n\033[1;36m### %s\033[0m\n' "$*"; }

ensure_venv

step "lint: ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "lint: shell scripts"
shellcheck -x scripts/*.sh deploy/*.sh .ci/run

step "lint: SAM template (cfn-lint, sam validate --lint)"
scripts/lint_sam.sh

step "lint: the AWS stack, deploy/infrastructure.yaml (cfn-lint, sam validate --lint)"
scripts/lint_sam.sh deploy/infrastructure.yaml

step "lint: Dockerfiles, workflows, compose files, deploy scripts"
scripts/lint_deploy.sh

step "api: docs/openapi.yaml is up to date"
make --no-print-directory check-openapi

step "solver: the generated SIMD kernel matches its generator"
.venv/bin/python -m challenge_worker.solver.gen_kernel --check

step "django: migrations are up to date"
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
