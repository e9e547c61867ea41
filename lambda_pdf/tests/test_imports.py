"""lambda_pdf is deployed alone: it may import the standard library, reportlab, segno, boto3
and itself."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ALLOWED = set(sys.stdlib_module_names) | {"reportlab", "segno", "boto3", "botocore", "lambda_pdf"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            roots.add(node.module.split(".")[0])
    return roots


def test_the_lambda_code_imports_nothing_of_the_project_or_django():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.name for m in modules} >= {"handler.py", "schema.py", "storage.py", "ticket.py"}
    for module in modules:
        assert _imported_roots(module) <= ALLOWED, module.name


def test_the_lambda_package_pins_the_reportlab_these_tests_run():
    import reportlab

    requirements = (PACKAGE / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"reportlab=={reportlab.Version}" in requirements


def test_the_lambda_package_pins_the_segno_these_tests_run():
    import segno

    requirements = (PACKAGE / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"segno=={segno.__version__}" in requirements


def test_the_lambda_package_ships_reportlab_s_accelerator_these_tests_run():
    from importlib.metadata import version

    from reportlab.lib import rl_accel

    requirements = (PACKAGE / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"rl_accel=={version('rl_accel')}" in requirements
    # reportlab falls back to pure Python without a word when the extension is missing
    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
