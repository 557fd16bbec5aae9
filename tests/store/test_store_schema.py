"""Another schema_version fails loudly, naming the file, the line, both versions and what to do."""

from __future__ import annotations

import json

import pytest

import vbench.store.migrate as migrate_mod
import vbench.store.schema as schema_mod
from vbench.errors import ResultsError
from vbench.record import SCHEMA_VERSION
from vbench.results import load
from vbench.store import RecordWriter, migrate_file, migrate_record, read_records


def _write_lines(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


NEXT = SCHEMA_VERSION + 1


@pytest.fixture
def next_version(monkeypatch):
    """Pretend this vbench reads the next version and knows the step to it (``timing.e2e_s`` moves)."""

    def step(record):
        record["timing"] = {"e2e": {"median": record.pop("e2e_s"), "unit": "s"}}
        return record

    monkeypatch.setattr(schema_mod, "SCHEMA_VERSION", NEXT)
    monkeypatch.setattr(migrate_mod, "SCHEMA_VERSION", NEXT)
    monkeypatch.setitem(migrate_mod.MIGRATIONS, SCHEMA_VERSION, step)


def test_newer_version_says_upgrade_vbench(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    _write_lines(path, [make_record(), make_record(schema_version=NEXT + 5)])
    with pytest.raises(ResultsError) as info:
        read_records(path)
    message = str(info.value)
    assert f"{path}:2:" in message
    assert f"schema_version {NEXT + 5}" in message and f"reads version {SCHEMA_VERSION}" in message
    assert "newer vbench" in message and "upgrade vbench" in message
    with pytest.raises(ResultsError, match="newer vbench"):
        load(tmp_path)


def test_older_version_names_the_migrate_command(tmp_path, make_record, next_version):
    path = tmp_path / "s.jsonl"
    _write_lines(path, [make_record(e2e_s=1.5)])
    with pytest.raises(ResultsError) as info:
        load(path)
    message = str(info.value)
    assert f"{path}:1:" in message
    assert f"schema_version {SCHEMA_VERSION}" in message and f"reads version {NEXT}" in message
    assert f"vbench results migrate {path}" in message


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, None, True])
def test_malformed_version_is_an_error(tmp_path, make_record, version):
    path = tmp_path / "s.jsonl"
    _write_lines(path, [make_record(schema_version=version)])
    with pytest.raises(ResultsError, match=rf"{path}:1: .*is not a schema version"):
        read_records(path)


def test_migrate_file_upgrades_and_keeps_damaged_lines(tmp_path, make_record, next_version):
    path = tmp_path / "s.jsonl"
    _write_lines(path, [make_record(run_id="a", e2e_s=1.5), make_record(run_id="b", e2e_s=2.5)])
    with open(path, "a") as fh:
        fh.write(f'{{"schema_version": {SCHEMA_VERSION}, "run_id": "c", "sta')  # a killed writer's last line
    mode = path.stat().st_mode
    assert migrate_file(path) == 2
    assert path.stat().st_mode == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == [".s.jsonl.lock", "s.jsonl"]  # no temp file left
    result = read_records(path)
    assert [r["schema_version"] for r in result.records] == [NEXT, NEXT]
    assert [r["timing"]["e2e"]["median"] for r in result.records] == [1.5, 2.5]
    assert [p.line for p in result.problems] == [3]
    assert migrate_file(path) == 0  # nothing left to do


def test_migrate_file_refuses_newer_records(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    _write_lines(path, [make_record(), make_record(schema_version=NEXT)])
    before = path.read_bytes()
    with pytest.raises(ResultsError, match=rf"{path}:2: .*newer vbench"):
        migrate_file(path)
    assert path.read_bytes() == before


def test_migrate_record_steps(make_record, next_version):
    old = make_record(e2e_s=3.0)
    new = migrate_record(old)
    assert new["schema_version"] == NEXT and new["timing"]["e2e"]["median"] == 3.0
    assert old["schema_version"] == SCHEMA_VERSION and "e2e_s" in old  # the input is not changed
    assert migrate_record(new) == new


def test_migrate_record_without_a_step(make_record):
    assert migrate_record(make_record()) == make_record()  # the current version: nothing to do
    with pytest.raises(ResultsError, match=f"no migration from schema_version {SCHEMA_VERSION} to {NEXT}"):
        migrate_record(make_record(), target=NEXT)
    with pytest.raises(ResultsError, match="newer vbench"):
        migrate_record(make_record(schema_version=NEXT))
    with pytest.raises(ResultsError, match="not a schema version"):
        migrate_record({"run_id": "x"})


def test_writer_refuses_other_versions(tmp_path, make_record):
    with RecordWriter(tmp_path / "s.jsonl") as writer, pytest.raises(ValueError, match="writes version"):
        writer.write(make_record(schema_version=NEXT))
    with RecordWriter(tmp_path / "s.jsonl") as writer, pytest.raises(ValueError, match="writes version"):
        writer.write(make_record(schema_version=1))
