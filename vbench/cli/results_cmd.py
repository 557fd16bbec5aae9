"""``vbench results migrate PATH…``: rewrite stored records in the current schema version;
``vbench results merge SRC… --into DIR``: join the sessions of several result folders (shards)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("results", help="maintain stored results")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    m = actions.add_parser("migrate", help="rewrite record files in the current schema version")
    m.add_argument("paths", nargs="+", metavar="PATH",
                   help="session .jsonl files, or folders: every session file under them")
    m.set_defaults(handler=handle_migrate)
    g = actions.add_parser("merge", help="join the sessions of several result folders (the shards of a CI matrix) "
                                         "into one session per scenario, with their videos")
    g.add_argument("sources", nargs="+", metavar="SRC", help="result folders or session .jsonl files")
    g.add_argument("--into", required=True, metavar="DIR", help="the results folder to write the merged sessions in")
    g.add_argument("--session", default=None, help="name of the merged session (default: a UTC timestamp)")
    g.set_defaults(handler=handle_merge)


def handle_merge(args) -> int:
    """One line per scenario: records written, duplicates kept once, videos copied; a warning for
    copies whose videos differ and for videos no source holds."""
    from vbench.store.merge import merge_results

    for m in merge_results(args.sources, args.into, session=args.session):
        where = m.path if m.path is not None else "nothing new to write"
        print(f"{m.scenario}: {m.records} records from {m.files} session files -> {where}; {m.duplicates} "
              f"duplicate run_ids kept once, {m.already} already in {args.into}, {m.videos} videos copied")
        if m.differing:
            print(f"{m.scenario}: warning: copies of {', '.join(m.differing)} have different videos (the machines "
                  "do not produce bit-identical output); the first read was kept")
        if m.missing_videos:
            print(f"{m.scenario}: warning: {len(m.missing_videos)} videos are in no source's outputs folder; "
                  "`vbench score` cannot score the runs that need them")
    return 0


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
