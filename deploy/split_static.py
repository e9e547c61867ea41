"""Split a collectstatic folder into hashed files and the rest, for the S3 upload.

    python deploy/split_static.py STATIC_ROOT OUT   ->  OUT/hashed/...  OUT/other/...

The names listed as values of Django's manifest (staticfiles.json, written by
ManifestStaticFilesStorage and whitenoise's CompressedManifestStaticFilesStorage) carry a
content hash, so they may be cached for a year as immutable: a change makes a new name. Every
other file (the unhashed originals, the manifest itself) goes to OUT/other for a short cache.
Precompressed copies (.gz, .br) are left out: S3 cannot negotiate Content-Encoding, and
CloudFront compresses on its own. Standard library only.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

MANIFEST = "staticfiles.json"
COMPRESSED_SUFFIXES = (".gz", ".br")


def hashed_names(static_root: Path) -> set[str]:
    manifest = json.loads((static_root / MANIFEST).read_text(encoding="utf-8"))
    return set(manifest["paths"].values())


def split_static(static_root: Path, out: Path) -> tuple[int, int]:
    """Copy the files of static_root into out/hashed and out/other; return both counts."""
    hashed = hashed_names(static_root)
    counts = {"hashed": 0, "other": 0}
    for path in sorted(static_root.rglob("*")):
        if not path.is_file() or path.name.endswith(COMPRESSED_SUFFIXES):
            continue
        name = path.relative_to(static_root).as_posix()
        kind = "hashed" if name in hashed else "other"
        target = out / kind / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        counts[kind] += 1
    missing = sorted(name for name in hashed if not (out / "hashed" / name).is_file())
    if missing:
        raise SystemExit(f"files named in {MANIFEST} are missing: {missing[:5]}")
    return counts["hashed"], counts["other"]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    static_root, out = Path(argv[1]), Path(argv[2])
    if out.exists():
        shutil.rmtree(out)
    n_hashed, n_other = split_static(static_root, out)
    print(f"{n_hashed} hashed files, {n_other} other files -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
