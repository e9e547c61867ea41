"""The dependency directions of the design (docs/architecture.md): an arrow means "may import".

payments → wallet, events (and the Lambda's renderer, lambda_pdf); wallet and events import
no other app; challenge_worker imports no other app (it talks to payments through HTTP and
the queue); exchange imports no app of the seller (it stands for an external system). Every
app may use the project package `ticketseller`. Tests are exempt: they set up any app's data.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = {"accounts", "events", "wallet", "payments", "challenge_worker", "exchange", "lambda_pdf"}
MAY_IMPORT = {
    "accounts": {"wallet"},  # a new account gets its wallet
    "events": set(),
    "wallet": set(),
    # lambda_pdf: the ticket is rendered in-process by the Lambda's own code when no Lambda runs
    "payments": {"wallet", "events", "lambda_pdf"},
    "challenge_worker": set(),
    "exchange": set(),
    "lambda_pdf": set(),
}


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & APPS
    return found


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "tests" not in path.relative_to(ROOT).parts:
            yield path


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_each_app_imports_only_what_the_design_allows(app):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported - MAY_IMPORT[app] - {app})
        for path in _modules(app)
        if (imported := _imported_apps(path)) - MAY_IMPORT[app] - {app}
    }
    assert wrong == {}


def test_the_check_sees_an_import_across_apps(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("from payments.buy_box import buy_box\nimport wallet.selectors\n")
    assert _imported_apps(module) == {"payments", "wallet"}
