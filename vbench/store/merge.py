"""``vbench results merge``: the sessions of several result folders (the shards of a CI matrix,
machines of a cluster) joined into one session per scenario, with the videos they point at.

Each run_id is kept once: an ``ok`` record before any other, else the first read. A reference that
ran in several shards is one of them; when the copies' videos differ (machines that do not give
bit-identical videos), the merge says so. Run_ids the destination already holds are skipped, so a
merge can be repeated. Videos are copied into the destination's content-addressed store as they
are (their names are their hashes). The sources are only read.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vbench.errors import ResultsError
from vbench.store.atomic import atomic_write
from vbench.store.jsonl import RecordWriter, read_records
from vbench.store.layout import (
    OUTPUTS_DIR,
    PathLike,
    find_result_files,
    new_session_name,
    scenario_dir,
    session_path,
)
from vbench.store.videos import OutputStore


@dataclass
class ScenarioMerge:
    """What merging did for one scenario."""

    scenario: str
    path: Path | None  #: the session written (None: nothing new to write)
    files: int = 0  #: session files read
    records: int = 0  #: records written
    duplicates: int = 0  #: records of a run_id already taken (another shard's copy of a reference ...)
    already: int = 0  #: records of run_ids the destination held before
    videos: int = 0  #: video files copied
    differing: list[str] = field(default_factory=list)  #: run_ids whose copies have different videos
    missing_videos: list[str] = field(default_factory=list)  #: hashes no source folder holds


def merge_results(sources: Iterable[PathLike], into: PathLike, *, session: str | None = None) -> list[ScenarioMerge]:
    """Merge every session file under ``sources`` into ``into/<scenario>/<session>.jsonl``.

    Raises:
        ResultsError: a source is missing or holds no session file, a record cannot be read (the
            file and line are named), or the destination session exists already.
    """
    files = [f for f in find_result_files(list(sources)) if f.suffix == ".jsonl"]
    if not files:
        raise ResultsError(f"{', '.join(map(str, sources))}: no session .jsonl file to merge")
    into = Path(into)
    by_scenario: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path in files:
        if into in path.parents:
            continue  # the destination's own sessions are what it holds already
        read = read_records(path)
        if read.problems:
            raise ResultsError("\n".join(str(p) for p in read.problems))
        for record in read.records:
            by_scenario.setdefault(record["scenario"], []).append((path, record))
    session = session or new_session_name()
    return [_merge_one(name, found, into, session) for name, found in by_scenario.items()]


def _merge_one(name: str, found: list[tuple[Path, dict[str, Any]]], into: Path, session: str) -> ScenarioMerge:
    target = session_path(into, name, session)
    if target.exists():
        raise ResultsError(f"{target}: exists already; give another --session")
    held = {r["run_id"] for f in find_result_files(scenario_dir(into, name)) if f.suffix == ".jsonl"
            for r in read_records(f).records} if scenario_dir(into, name).is_dir() else set()
    out = ScenarioMerge(name, None, files=len({path for path, _ in found}))
    chosen: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path, record in found:
        run_id = record["run_id"]
        if run_id in held:
            out.already += 1
            continue
        if run_id not in chosen:
            chosen[run_id] = (path, record)
            continue
        out.duplicates += 1
        kept = chosen[run_id][1]
        video, other = (kept.get("outputs") or {}).get("video"), (record.get("outputs") or {}).get("video")
        if video and other and video != other and run_id not in out.differing:
            out.differing.append(run_id)
        if kept["status"] != "ok" and record["status"] == "ok":
            chosen[run_id] = (path, record)
    if not chosen:
        return out
    store = OutputStore(scenario_dir(into, name) / OUTPUTS_DIR)
    with RecordWriter(target) as writer:
        for path, record in chosen.values():
            sha = (record.get("outputs") or {}).get("video")
            if sha and not store.has(sha):
                source = OutputStore(path.parent / OUTPUTS_DIR)
                if source.has(sha):
                    store.path(sha).parent.mkdir(parents=True, exist_ok=True)
                    with open(source.path(sha), "rb") as src:  # renamed into place: never half a video
                        atomic_write(store.path(sha), lambda fh, src=src: shutil.copyfileobj(src, fh))
                    out.videos += 1
                else:
                    out.missing_videos.append(sha)
            writer.write(record)
            out.records += 1
    out.path = target
    return out
