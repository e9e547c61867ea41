"""Migrations run while the previous release still serves (deploy/migrate.sh, before
start.sh swaps the containers), and a rollback keeps the new schema: every migration must
be readable and writable by the code of the release before it. Adding is always fine;
dropping or renaming a column or table is only fine one release AFTER the code stopped using
it ("expand, then contract", docs/ci-cd.md). Such a migration must be listed below, with the
release that stopped using what it removes, or this test fails."""

import sys
from pathlib import Path

import pytest
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader

from .conftest import ROOT

# (app label, migration name) -> why the release before it no longer uses what it removes.
CONTRACTING_MIGRATIONS: dict[tuple[str, str], str] = {}

DESTRUCTIVE = (
    operations.RemoveField,
    operations.RenameField,
    operations.DeleteModel,
    operations.RenameModel,
)
_SQL_WORDS = ("DROP ", "RENAME ")


def _destructive(operation) -> bool:
    if isinstance(operation, DESTRUCTIVE):
        return True
    if isinstance(operation, operations.RunSQL):
        sql = str(operation.sql).upper()
        return any(word in sql for word in _SQL_WORDS)
    return False


def _project_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        # Ours only: third-party apps' migrations live in the virtualenv.
        path = Path(sys.modules[migration.__module__].__file__).resolve()
        if path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / ".venv"):
            yield app, name, migration


def test_the_check_recognises_dropping_and_renaming():
    assert _destructive(operations.RemoveField("purchase", "note"))
    assert _destructive(operations.RenameField("purchase", "note", "comment"))
    assert _destructive(operations.RunSQL("ALTER TABLE x DROP COLUMN y"))
    assert not _destructive(operations.RunSQL("CREATE INDEX i ON x (y)"))


@pytest.mark.parametrize(
    ("app", "name", "migration"),
    list(_project_migrations()),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_no_migration_drops_or_renames_what_the_previous_release_still_uses(app, name, migration):
    found = [op.describe() for op in migration.operations if _destructive(op)]
    if found:
        assert (app, name) in CONTRACTING_MIGRATIONS, (
            f"{app}.{name} removes or renames {found}: the release still running during the "
            "deployment breaks. Stop using it first, remove it a release later, and list the "
            "migration in CONTRACTING_MIGRATIONS with that release."
        )
