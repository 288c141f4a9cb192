"""Write the notice JSON Schemas to protocol/schema/, or check that the files are current.

    python scripts/gen_schema.py            write protocol/schema/<kind>.schema.json, notice.schema.json
    python scripts/gen_schema.py --check    exit 1 (and name the files) when any file differs
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
    """Names of schema files in ``directory`` that are missing or differ from the generated text."""
    stale = []
    for name, text in sorted(expected_files().items()):
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def write_files(directory: Path) -> list[str]:
    """Write every schema file that differs; return the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = stale_files(directory)
    texts = expected_files()
    for name in written:
        (directory / name).write_text(texts[name], encoding="utf-8", newline="\n")
    return written


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
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
