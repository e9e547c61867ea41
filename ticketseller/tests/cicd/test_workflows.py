"""The GitHub Actions workflows, read as data: order of the delivery steps, triggers, access."""

import os
import re
import subprocess

import pytest

from .conftest import ROOT, WORKFLOWS, workflow

ALL_DEPLOYS = ["deploy.yml", "deploy-lambda.yml"]
PIPELINE = ["guard", "static", "backend", "invalidate"]


def _step_index(steps: list[dict], pattern: str) -> int:
    """Index of the only step whose `run` script matches pattern."""
    found = [i for i, step in enumerate(steps) if re.search(pattern, step.get("run", ""))]
    assert len(found) == 1, f"expected one step running {pattern!r}, found {found}"
    return found[0]


def _jobs(name: str) -> dict:
    return workflow(name)["jobs"]


def _aws_jobs(name: str) -> dict[str, dict]:
    return {
        job_id: job
        for job_id, job in _jobs(name).items()
        if any(s.get("uses", "").startswith("aws-actions/") for s in job.get("steps", []))
    }


def _needs(job: dict) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else needs


def test_static_upload_then_backend_deploy_then_invalidation_in_one_pipeline():
    jobs = _jobs("deploy.yml")
    assert list(jobs) == PIPELINE
    assert _needs(jobs["static"]) == ["guard"]
    assert _needs(jobs["backend"]) == ["guard", "static"]
    assert _needs(jobs["invalidate"]) == ["guard", "backend"]
    uploads = " ".join(step.get("run", "") for step in jobs["static"]["steps"])
    assert "aws s3 sync" in uploads and "create-deployment" not in uploads
    assert "create-invalidation" not in uploads
    assert _step_index(jobs["backend"]["steps"], r"aws deploy create-deployment") >= 0
    _step_index(jobs["invalidate"]["steps"], r"aws cloudfront create-invalidation")
    # No other deploy workflow may race the pipeline.
    assert not (WORKFLOWS / "deploy-backend.yml").exists()
    assert not (WORKFLOWS / "deploy-frontend.yml").exists()


def test_static_uploads_hashed_files_then_the_rest():
    steps = _jobs("deploy.yml")["static"]["steps"]
    collect = _step_index(steps, r"manage\.py collectstatic")
    hashed = _step_index(steps, r"aws s3 sync \S*hashed")
    other = _step_index(steps, r"aws s3 sync \S*other")
    assert collect < hashed < other
    assert "max-age=31536000,immutable" in steps[hashed]["run"]
    assert "immutable" not in steps[other]["run"]


def test_the_deploy_never_deletes_files_older_pages_still_reference():
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert "--delete" not in text


def test_the_pipeline_starts_only_after_a_successful_ci_run_of_a_push_to_main():
    on = workflow("deploy.yml")["on"]
    assert set(on) == {"workflow_run"}, "no other trigger may skip CI"
    run = on["workflow_run"]
    assert run["workflows"] == [workflow("ci.yml")["name"]]
    assert run["types"] == ["completed"]
    assert run["branches"] == ["main"]
    guard = _jobs("deploy.yml")["guard"]
    condition = " ".join(guard["if"].split())
    assert "github.event.workflow_run.conclusion == 'success'" in condition
    assert "github.event.workflow_run.head_branch == 'main'" in condition
    assert "github.event.workflow_run.event == 'push'" in condition
    for job_id in ("static", "backend"):
        checkout = _jobs("deploy.yml")[job_id]["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"


def _guard_script(name: str) -> tuple[str, dict[str, str]]:
    (step,) = _jobs(name)["guard"]["steps"]
    return step["run"], {k: str(v) for k, v in step.get("env", {}).items()}


@pytest.mark.parametrize("name", ALL_DEPLOYS)
@pytest.mark.parametrize(("head", "current"), [("abc123", "true"), ("def456", "false")])
def test_a_commit_that_is_no_longer_the_head_of_main_is_not_deployed(tmp_path, name, head, current):
    """The guard's own script, run against a fake `gh` that answers the head of main."""
    for job_id, job in _jobs(name).items():
        if job_id not in {"guard", "ci"}:
            assert "guard" in _needs(job), job_id
            assert "needs.guard.outputs.current == 'true'" in job["if"], job_id
    script, _ = _guard_script(name)
    fake = tmp_path / "gh"
    fake.write_text(f'#!/bin/sh\necho "$*" > "{tmp_path}/gh.args"\necho {head}\n')
    fake.chmod(0o755)
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "RELEASE": "abc123",
        "GITHUB_REPOSITORY": "owner/shop",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert output.read_text() == f"current={current}\n"
    assert "repos/owner/shop/git/ref/heads/main" in (tmp_path / "gh.args").read_text()


def test_the_deploy_guard_compares_the_commit_ci_tested():
    assert workflow("deploy.yml")["env"]["RELEASE"] == "${{ github.event.workflow_run.head_sha }}"
    _, env = _guard_script("deploy-lambda.yml")
    assert env["RELEASE"] == "${{ github.sha }}"


def test_the_backend_promotes_the_digests_ci_pushed_and_never_builds():
    steps = _jobs("deploy.yml")["backend"]["steps"]
    assert not [s for s in steps if "build-push-action" in s.get("uses", "")]
    assert "docker build" not in str(steps)
    find = _step_index(steps, r"aws ecr describe-images")
    assert "imageTag=${RELEASE}" in steps[find]["run"]
    assert "imageDigest" in steps[find]["run"]
    assert "@${digest}" in steps[find]["run"]
    bundle = _step_index(steps, r"zip -qr")
    upload = _step_index(steps, r"aws s3 cp")
    create = _step_index(steps, r"aws deploy create-deployment")
    wait = _step_index(steps, r"aws deploy wait deployment-successful")
    assert find < bundle < upload < create < wait
    assert "WEB_IMAGE=${WEB_IMAGE}" in steps[bundle]["run"]
    assert "cp appspec.yml" in steps[bundle]["run"]
    assert "cp -R deploy" in steps[bundle]["run"]
    assert "enabled=true,events=DEPLOYMENT_FAILURE" in steps[create]["run"]


def test_ci_pushes_the_images_it_built_tagged_with_the_commit_on_main_only():
    images = _jobs("ci.yml")["images"]
    push = " ".join(images["env"]["PUSH"].split())
    for condition in (
        "github.event_name == 'push'", "github.ref == 'refs/heads/main'",
        "github.workflow == 'CI'",
    ):  # fmt: skip
        assert condition in push
    builds = [s for s in images["steps"] if s.get("uses", "").startswith("docker/build-push")]
    assert [s["with"]["file"] for s in builds] == ["Dockerfile.web", "Dockerfile.worker"]
    for build in builds:
        assert build["with"]["push"] == "${{ env.PUSH == 'true' }}"
        assert "github.sha" in build["with"]["tags"]
    (creds,) = [s for s in images["steps"] if "configure-aws" in s.get("uses", "")]
    assert creds["with"]["role-to-assume"] == "${{ vars.ECR_PUSH_ROLE_ARN }}"


def test_ci_tests_on_the_python_the_images_run():
    ci = workflow("ci.yml")
    version = ci["env"]["PYTHON_VERSION"]
    assert ci["jobs"]["test"]["container"]["image"] == f"python:{version}-bookworm"
    for dockerfile in ("Dockerfile.web", "Dockerfile.worker"):
        text = (ROOT / dockerfile).read_text()
        (image,) = re.findall(r"^ARG PYTHON_IMAGE=python:(\d+\.\d+)-", text, flags=re.M)
        assert image == version, dockerfile
    deploy = _jobs("deploy.yml")["static"]["steps"]
    (setup,) = [s for s in deploy if s.get("uses", "").startswith("actions/setup-python")]
    assert setup["with"]["python-version"] == version


def test_lambda_deploy_needs_the_whole_ci_and_runs_on_main_only():
    data = workflow("deploy-lambda.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert {"lambda_pdf/**", "template.yaml"} <= set(data["on"]["push"]["paths"])
    assert data["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in workflow("ci.yml")["on"]
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == ["ci", "guard"]
    assert deploy["if"].startswith("github.ref == 'refs/heads/main' && ")
    runs = [step.get("run", "") for step in deploy["steps"]]
    build = next(i for i, r in enumerate(runs) if r.startswith("sam build"))
    deploy_step = next(i for i, r in enumerate(runs) if r.startswith("sam deploy"))
    assert build < deploy_step
    assert "--config-file samconfig.toml" in runs[deploy_step]


def test_one_deployment_at_a_time_and_none_cancelled():
    pipeline = workflow("deploy.yml")["concurrency"]
    lambda_job = _jobs("deploy-lambda.yml")["deploy"]["concurrency"]
    for concurrency in (pipeline, lambda_job):
        assert concurrency["group"].endswith("-production")
        assert concurrency["cancel-in-progress"] is False


@pytest.mark.parametrize("name", ALL_DEPLOYS)
def test_aws_access_is_the_oidc_role_with_minimal_permissions(name):
    data = workflow(name)
    assert data["permissions"] == {"contents": "read"}
    jobs = _aws_jobs(name)
    assert jobs
    for job in jobs.values():
        assert job["environment"] == "production"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        creds = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure")]
        assert len(creds) == 1
        assert creds[0]["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    text = (WORKFLOWS / name).read_text()
    assert "aws-access-key-id" not in text
    assert "aws-secret-access-key" not in text


def test_ci_tests_run_against_postgres_and_redis_service_containers():
    ci = workflow("ci.yml")
    test = ci["jobs"]["test"]
    assert test["services"]["postgres"]["image"] == "postgres:16"
    assert test["services"]["redis"]["image"] == "redis:7"
    assert test["env"]["DATABASE_URL"].startswith("postgres://")
    assert test["env"]["REDIS_URL"].startswith("redis://")
    assert any(step.get("run") == "make test" for step in test["steps"])


def test_github_ci_and_ci_run_share_one_list_of_static_checks():
    lint_runs = [step.get("run", "") for step in workflow("ci.yml")["jobs"]["lint"]["steps"]]
    assert "make checks" in lint_runs
    ci_run = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "make checks" in ci_run and "make test" in ci_run
    assert ci_run.index("make checks") < ci_run.index("make test")
    checks = (ROOT / "scripts" / "checks.sh").read_text()
    for check in (
        "ruff check", "ruff format --check", "shellcheck", "scripts/lint_sam.sh",
        "scripts/lint_deploy.sh", "check-openapi", "gen_kernel --check", "makemigrations --check",
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
