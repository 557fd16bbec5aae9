"""``vbench results migrate PATH…``: rewrite stored records in the current schema version."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("results", help="maintain stored results")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    m = actions.add_parser("migrate", help="rewrite record files in the current schema version")
    m.add_argument("paths", nargs="+", metavar="PATH")
    m.set_defaults(handler=handle_migrate)


def handle_migrate(args) -> int:
    from vbench.store.migrate import migrate_file

    for path in args.paths:
        changed = migrate_file(path)
        print(f"{path}: {changed} records migrated")
    return 0
