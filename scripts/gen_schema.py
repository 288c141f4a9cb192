"""Write the notice JSON Schemas to protocol/schema/, or check that the files are current.

python scripts/gen_schema.py           write protocol/schema/<kind>.schema.json and
                                       protocol/schema/notice.schema.json
python scripts/gen_schema.py --check   exit 1, naming the files, when any file is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hotline_protocol.notices.schema import notice_schemas, render_schema

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "protocol" / "schema"


def expected_files() -> dict[str, str]:
    """File name -> the text the file must hold."""
    return {name: render_schema(schema) for name, schema in notice_schemas().items()}


def stale_files(directory: Path) -> list[str]:
    """Schema files in ``directory`` that are missing, differ, or are no longer generated."""
    expected = expected_files()
    stale = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]
    stale += [p.name for p in directory.glob("*.schema.json") if p.name not in expected]
    return sorted(stale)


def write_files(directory: Path) -> list[str]:
    """Bring ``directory`` up to date; return the names written or removed."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_files()
    changed = stale_files(directory)
    for name in changed:
        if name in expected:
            (directory / name).write_text(expected[name], encoding="utf-8", newline="\n")
        else:
            (directory / name).unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when stale")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="schema directory")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.dir)
        for name in stale:
            print(f"stale: {args.dir / name}", file=sys.stderr)
        if stale:
            print("run: python scripts/gen_schema.py", file=sys.stderr)
        return 1 if stale else 0
    for name in write_files(args.dir):
        print(f"updated {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
