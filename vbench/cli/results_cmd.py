"""``vbench results migrate PATH…``: rewrite stored records in the current schema version."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("results", help="maintain stored results")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    m = actions.add_parser("migrate", help="rewrite record files in the current schema version")
    m.add_argument("paths", nargs="+", metavar="PATH",
                   help="session .jsonl files, or folders: every session file under them")
    m.set_defaults(handler=handle_migrate)


def handle_migrate(args) -> int:
    """Every named file, and every session file under a named folder; a path that is missing or
    not a regular file is an error (exit 2) before anything is rewritten."""
    from pathlib import Path

    from vbench.errors import ResultsError
    from vbench.store.layout import find_result_files
    from vbench.store.migrate import migrate_file

    files = find_result_files(args.paths)  # ResultsError for a missing path
    bad = [f for f in files if not f.is_file()]
    if bad:
        raise ResultsError("\n".join(f"{f}: not a regular file; results migrate rewrites session .jsonl files"
                                      for f in bad))
    if not files:
        raise ResultsError(f"{', '.join(args.paths)}: no session .jsonl file found to migrate")
    for path in files:
        if Path(path).suffix != ".jsonl":
            raise ResultsError(f"{path}: not a session .jsonl file; results migrate rewrites those only")
    for path in files:
        changed = migrate_file(path)
        print(f"{path}: {changed} records migrated")
    return 0
