# The two commands that matter: `make run` (the whole system, locally) and `make test`.
.PHONY: run test checks lint fmt migrate messages check-openapi openapi bench clean help
SHELL := /bin/bash

run: ## Run the whole system locally (Ctrl-C stops everything)
	@scripts/run.sh

test: ## Run the whole test suite against a throwaway PostgreSQL and Redis
	@scripts/test.sh

checks: ## Every static check CI runs (ruff, shellcheck, SAM, Docker/workflow/compose lint, OpenAPI, kernel, migrations)
	@scripts/checks.sh

lint: ## ruff lint + format check
	@source scripts/lib.sh && ensure_venv && .venv/bin/ruff check . && .venv/bin/ruff format --check .

fmt: ## Format and autofix
	@source scripts/lib.sh && ensure_venv && .venv/bin/ruff format . && .venv/bin/ruff check --fix .

migrate: ## Apply migrations to the local database
	@source scripts/lib.sh && ensure_venv && .venv/bin/python manage.py migrate

messages: ## Extract translatable strings into locale/*/django.po (installs GNU gettext as root)
	@source scripts/lib.sh && ensure_venv && { command -v xgettext >/dev/null || apt_install gettext || { log "makemessages needs GNU gettext (xgettext): install the gettext package"; exit 1; }; } && .venv/bin/python manage.py makemessages -l es -l en --ignore=.venv --ignore=.tools --ignore=var

openapi: ## Regenerate docs/openapi.yaml from the code
	@source scripts/lib.sh && ensure_venv && .venv/bin/python manage.py spectacular --lang en --file docs/openapi.yaml --validate

check-openapi: ## Fail when docs/openapi.yaml is out of date
	@source scripts/lib.sh && ensure_venv && tmp=$$(mktemp) && .venv/bin/python manage.py spectacular --lang en --file $$tmp --validate && diff -u docs/openapi.yaml $$tmp && rm -f $$tmp

bench: ## Benchmarks: solver, PDF rendering, purchases through the whole stack, a request's and a job's CPU, catalogue readers
	@source scripts/lib.sh && ensure_venv && .venv/bin/python bench/solver.py && .venv/bin/python bench/ticket_pdf.py && .venv/bin/python bench/purchase.py && .venv/bin/python bench/web_requests.py && .venv/bin/python bench/rq_jobs.py && .venv/bin/python bench/challenge_jobs.py && .venv/bin/python bench/catalogue.py

clean: ## Remove the virtualenv and local data
	rm -rf .venv .tools var staticfiles

help:
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
