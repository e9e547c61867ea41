"""The delivery docs stay complete, and the static split feeds the S3 upload correctly."""

import json
import re
import subprocess
import sys

from lambda_pdf.schema import parse_ticket

from .conftest import ROOT, load_yaml

DOCS = ROOT / "docs"
SPLIT = ROOT / "deploy" / "split_static.py"


def _names_in_env_file(path) -> set[str]:
    """Every variable an env file sets or shows commented out (`# NAME=...`)."""
    pattern = r"^(?:# )?([A-Z][A-Z0-9_]*)="
    return set(re.findall(pattern, path.read_text(), flags=re.MULTILINE))


def test_every_documented_variable_is_explained_in_operations():
    operations = (DOCS / "operations.md").read_text()
    names = _names_in_env_file(ROOT / ".env.example")
    names |= _names_in_env_file(ROOT / "deploy" / "env.example")
    for compose in (ROOT / "docker-compose.yml", ROOT / "deploy" / "docker-compose.prod.yml"):
        names |= set(load_yaml(compose)["x-django-env"])
    missing = sorted(name for name in names if f"`{name}`" not in operations)
    assert not missing, f"not in docs/operations.md: {missing}"


def test_architecture_has_the_diagram_as_source_image_and_mermaid():
    text = (DOCS / "architecture.md").read_text()
    puml = (DOCS / "architecture.puml").read_text()
    assert puml.startswith("@startuml") and puml.rstrip().endswith("@enduml")
    assert "```mermaid" in text
    assert (DOCS / "architecture.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    for component in [
        "web", "jobs worker", "clock", "workers master", "challenge workers", "Redis",
        "PostgreSQL", "exchange", "Lambda", "S3", "SMTP", "CloudFront",
    ]:  # fmt: skip
        assert component in puml, component
        assert component in text, component


def test_lambda_guide_covers_every_template_parameter_and_its_sample_event_is_valid():
    guide = (DOCS / "lambda-sam.md").read_text()
    template = (ROOT / "template.yaml").read_text()
    section = template.split("\nParameters:\n", 1)[1].split("\nConditions:\n", 1)[0]
    parameters = re.findall(r"^  (\w+):$", section, flags=re.MULTILINE)
    assert parameters
    for name in parameters:
        assert f"`{name}`" in guide, name
    for command in ("sam build", "sam deploy --guided", "sam remote invoke", "sam delete"):
        assert command in guide
    sample = json.loads((DOCS / "examples" / "ticket-event.json").read_text())
    assert parse_ticket(sample).quantity == len(sample["tickets"])


def test_api_guide_has_a_curl_call_for_every_public_endpoint():
    guide = (DOCS / "api.md").read_text()
    for path in [
        "/api/v1/health/", "/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/events/",
        "/api/v1/wallet/", "/api/v1/wallet/entries/", "/api/v1/wallet/deposits/",
        "/api/v1/purchases/", "/ticket/", "/api/v1/workers/status/",
        "/api/v1/exchange/validations/", "/api/schema/", "/api/docs/", "/api/redoc/",
    ]:  # fmt: skip
        assert path in guide, path
    assert '{"error": {"code"' in guide


def _static_root(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    for name in ["css/shop.css", "css/shop.0123456789ab.css", "css/shop.0123456789ab.css.gz"]:
        (root / name).write_text("body {}")
    (root / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/shop.css": "css/shop.0123456789ab.css"}})
    )
    return root


def test_split_static_separates_hashed_files_from_the_rest_and_drops_compressed_copies(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(SPLIT), str(_static_root(tmp_path)), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        "hashed/css/shop.0123456789ab.css",
        "other/css/shop.css",
        "other/staticfiles.json",
    ]


def test_split_static_refuses_a_manifest_naming_missing_files(tmp_path):
    root = _static_root(tmp_path)
    (root / "css" / "shop.0123456789ab.css").unlink()
    result = subprocess.run(
        [sys.executable, str(SPLIT), str(root), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "missing" in result.stderr
