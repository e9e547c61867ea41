"""Every message of the shop's own, in templates and Python, has a Spanish translation in the
catalogue (locale/es). A string added without one fails here, not in front of a buyer.

Strings are found as `make messages` would find most of them, without GNU gettext: literal
`{% translate "…" %}`, `{% blocktranslate %}…{% endblocktranslate %}` (variables become
`%(name)s`) and `_("…")` / `gettext_lazy("…")` calls with one literal in Python."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", ".tools", "var", "bench", "lambda_pdf", "tests", "migrations", "exchange"}
TRANSLATE = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1(?:\s+as\s+\w+)?\s*%\}""")
BLOCK = re.compile(
    r"\{%\s*blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktranslate\s*%\}", re.S
)
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext"}


def _files(pattern: str):
    for path in ROOT.rglob(pattern):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def _template_messages():
    for path in _files("*.html"):
        text = path.read_text()
        for match in TRANSLATE.finditer(text):
            # The tag doubles "%" in literals; a literal with "%" is looked up as "%%".
            yield path, match.group(2).replace("%", "%%")
        for match in BLOCK.finditer(text):
            body = match.group("body").split("{% plural %}")[0]
            body = VARIABLE.sub(r"%(\1)s", body)
            if "trimmed" in match.group("args"):
                body = " ".join(line.strip() for line in body.strip().splitlines())
            if "{%" not in body:
                yield path, body


def _python_messages():
    for path in _files("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and len(node.args) == 1
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield path, node.args[0].value


@pytest.fixture(scope="module")
def spanish():
    with (ROOT / "locale/es/LC_MESSAGES/django.po").open("rb") as po:
        catalog = read_po(po)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): m
        for m in catalog
        if m.id and not m.fuzzy and (m.string if isinstance(m.string, str) else all(m.string))
    }


def test_every_message_of_ours_is_translated_to_spanish(spanish):
    from django.utils.translation import trans_real

    django_catalogue = trans_real.translation("es")  # Django's own texts ("Log in", "Date"…)
    missing = sorted(
        {
            f"{path.relative_to(ROOT)}: {message!r}"
            for path, message in [*_template_messages(), *_python_messages()]
            if message.strip()
            and message not in spanish
            and message.replace("%%", "%") not in spanish
            and django_catalogue.gettext(message) == message
        }
    )
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_the_check_finds_the_shops_messages(spanish):
    found = {message for _, message in _template_messages()} | {m for _, m in _python_messages()}

    assert "Confirming your payment…" in found  # python
    assert "Check this event" in found  # template translate
    assert "We emailed your tickets to %(email)s." in found  # blocktranslate with a variable
