"""The GitHub Actions workflows, read as data: order of the delivery steps, triggers, access."""

import re

import pytest

from .conftest import ROOT, WORKFLOWS, workflow

DEPLOY_AFTER_CI_RUN = ["deploy-backend.yml", "deploy-frontend.yml"]
ALL_DEPLOYS = [*DEPLOY_AFTER_CI_RUN, "deploy-lambda.yml"]


def _step_index(steps: list[dict], pattern: str) -> int:
    """Index of the only step whose `run` script matches pattern."""
    found = [i for i, step in enumerate(steps) if re.search(pattern, step.get("run", ""))]
    assert len(found) == 1, f"expected one step running {pattern!r}, found {found}"
    return found[0]


def _deploy_job(name: str) -> dict:
    jobs = workflow(name)["jobs"]
    return jobs["deploy"]


def test_frontend_uploads_hashed_files_then_the_rest_and_only_then_invalidates_cloudfront():
    steps = _deploy_job("deploy-frontend.yml")["steps"]
    collect = _step_index(steps, r"manage\.py collectstatic")
    hashed = _step_index(steps, r"aws s3 sync \S*hashed")
    other = _step_index(steps, r"aws s3 sync \S*other")
    invalidate = _step_index(steps, r"aws cloudfront create-invalidation")
    assert collect < hashed < other < invalidate
    assert "max-age=31536000,immutable" in steps[hashed]["run"]
    assert "immutable" not in steps[other]["run"]


def test_frontend_never_deletes_files_older_pages_still_reference():
    text = (WORKFLOWS / "deploy-frontend.yml").read_text()
    assert "--delete" not in text


@pytest.mark.parametrize("name", DEPLOY_AFTER_CI_RUN)
def test_deploys_start_only_after_a_successful_ci_run_of_a_push_to_main(name):
    on = workflow(name)["on"]
    assert set(on) == {"workflow_run"}, "no other trigger may skip CI"
    run = on["workflow_run"]
    assert run["workflows"] == [workflow("ci.yml")["name"]]
    assert run["types"] == ["completed"]
    assert run["branches"] == ["main"]
    condition = " ".join(_deploy_job(name)["if"].split())
    assert "github.event.workflow_run.conclusion == 'success'" in condition
    assert "github.event.workflow_run.head_branch == 'main'" in condition
    assert "github.event.workflow_run.event == 'push'" in condition
    checkout = _deploy_job(name)["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"


def test_lambda_deploy_needs_the_whole_ci_and_runs_on_main_only():
    data = workflow("deploy-lambda.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert {"lambda_pdf/**", "template.yaml"} <= set(data["on"]["push"]["paths"])
    assert data["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in workflow("ci.yml")["on"]
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == ["ci"]
    assert deploy["if"] == "github.ref == 'refs/heads/main'"
    runs = [step.get("run", "") for step in deploy["steps"]]
    build = next(i for i, r in enumerate(runs) if r.startswith("sam build"))
    deploy_step = next(i for i, r in enumerate(runs) if r.startswith("sam deploy"))
    assert build < deploy_step
    assert "--config-file samconfig.toml" in runs[deploy_step]


@pytest.mark.parametrize("name", ALL_DEPLOYS)
def test_one_deployment_at_a_time_per_environment_and_none_cancelled(name):
    job = _deploy_job(name)
    assert job["environment"] == "production"
    assert job["concurrency"]["group"].endswith("-production")
    assert job["concurrency"]["cancel-in-progress"] is False


@pytest.mark.parametrize("name", ALL_DEPLOYS)
def test_aws_access_is_the_oidc_role_with_minimal_permissions(name):
    data = workflow(name)
    assert data["permissions"] == {"contents": "read"}
    job = _deploy_job(name)
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    creds = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws")]
    assert len(creds) == 1
    assert creds[0]["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    text = (WORKFLOWS / name).read_text()
    assert "aws-access-key-id" not in text
    assert "aws-secret-access-key" not in text


def test_backend_pushes_both_images_then_deploys_with_rollback_and_waits():
    steps = _deploy_job("deploy-backend.yml")["steps"]
    pushes = [s for s in steps if s.get("uses", "").startswith("docker/build-push-action")]
    assert [s["with"]["file"] for s in pushes] == ["Dockerfile.web", "Dockerfile.worker"]
    assert all(s["with"]["push"] is True for s in pushes)
    bundle = _step_index(steps, r"zip -qr")
    upload = _step_index(steps, r"aws s3 cp")
    create = _step_index(steps, r"aws deploy create-deployment")
    wait = _step_index(steps, r"aws deploy wait deployment-successful")
    assert steps.index(pushes[-1]) < bundle < upload < create < wait
    assert "cp appspec.yml" in steps[bundle]["run"]
    assert "cp -R deploy" in steps[bundle]["run"]
    assert "enabled=true,events=DEPLOYMENT_FAILURE" in steps[create]["run"]


def test_ci_tests_run_against_postgres_and_redis_service_containers():
    ci = workflow("ci.yml")
    test = ci["jobs"]["test"]
    assert test["services"]["postgres"]["image"] == "postgres:16"
    assert test["services"]["redis"]["image"] == "redis:7"
    assert test["env"]["DATABASE_URL"].startswith("postgres://")
    assert test["env"]["REDIS_URL"].startswith("redis://")
    assert any(step.get("run") == "make test" for step in test["steps"])
    images = ci["jobs"]["images"]["steps"]
    builds = [s for s in images if s.get("uses", "").startswith("docker/build-push-action")]
    assert {s["with"]["file"] for s in builds} == {"Dockerfile.web", "Dockerfile.worker"}
    assert all(s["with"]["push"] is False for s in builds)


def test_github_ci_and_ci_run_share_one_list_of_static_checks():
    lint_runs = [step.get("run", "") for step in workflow("ci.yml")["jobs"]["lint"]["steps"]]
    assert "make checks" in lint_runs
    ci_run = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "make checks" in ci_run and "make test" in ci_run
    assert ci_run.index("make checks") < ci_run.index("make test")
    checks = (ROOT / "scripts" / "checks.sh").read_text()
    for check in (
        "ruff check", "ruff format --check", "shellcheck", "scripts/lint_sam.sh",
        "scripts/lint_delivery.sh", "check-openapi", "gen_kernel --check", "makemigrations --check",
    ):  # fmt: skip
        assert check in checks, check


def test_every_action_is_pinned_to_a_major_version():
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses:\s*(\S+)", path.read_text()):
            if ref.startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", ref), f"{path.name}: {ref}"


def test_every_repository_variable_and_secret_is_documented():
    documented = (ROOT / "docs" / "ci-cd.md").read_text()
    used = set()
    for path in WORKFLOWS.glob("*.yml"):
        used |= set(re.findall(r"\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)", path.read_text()))
    assert used, "the workflows use repository variables"
    missing = sorted(name for name in used if f"`{name}`" not in documented)
    assert not missing, f"not in docs/ci-cd.md: {missing}"
