"""docs/architecture.md's "Follow one purchase" names functions that exist, in the files it
names: a rename that forgets the walk-through fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _rows() -> list[list[str]]:
    text = (ROOT / "docs/architecture.md").read_text()
    section = text.split("## Follow one purchase", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    return [[cell.strip() for cell in row] for row in rows]


def _defined(name: str, sources: str) -> bool:
    return re.search(rf"^\s*(def|class) {re.escape(name)}\b", sources, re.MULTILINE) is not None


def test_every_step_names_a_function_defined_in_the_files_it_names():
    rows = _rows()
    assert len(rows) >= 20
    for number, functions, files, _what in rows:
        paths = re.findall(r"`([\w/]+\.py)`", files)
        assert paths, f"step {number} names no file"
        for path in paths:
            assert (ROOT / path).is_file(), f"step {number}: no file {path}"
        sources = "\n".join((ROOT / path).read_text() for path in paths)
        for span in re.findall(r"`([^`]+)`", functions):
            dotted = re.match(r"[\w.]+", span).group(0)
            head, _, tail = dotted.rpartition(".")
            name = head if head[:1].isupper() else (tail or head)
            assert _defined(name, sources), f"step {number}: {name} is not defined in {paths}"
