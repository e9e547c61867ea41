"""Compile the gettext catalogues (locale/*/LC_MESSAGES/*.po → .mo) with Babel.

Django's `compilemessages` needs GNU gettext installed; Babel is a pinned Python dependency,
so a fresh machine with only Python can build the translations.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        print(f"compiled {mo_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
