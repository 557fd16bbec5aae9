"""``vbench run --shard I/N`` and ``vbench results merge``: the shards of a CI matrix hold every run
of the unsharded sweep once, each scored against its reference, and merge into one result set."""

from __future__ import annotations

from pathlib import Path

import pytest

from vbench.cli.main import main
from vbench.errors import ScenarioError
from vbench.scenario import plan
from vbench.scenario.shard import parse_shard, select_shard, shard_of
from vbench.store import OutputStore, read_all

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")
#: six runs and two references (one per seed), a few seconds on a CPU
SMALL = ["--set", "workload.seeds=[0,1]", "--set", "workload.num_frames=5", "--set", "workload.height=32",
         "--set", "workload.width=32", "--set", "sweep.product.num_inference_steps=[1,2]",
         "--set", "reference.workload.num_inference_steps=3", "--set", "measure.isolation=inline",
         "--set", "measure.repeats=1", "--set", "measure.warmup=0", "--set", "measure.min_seconds=0",
         "--set", "measure.rel_ci=null", "--set", "metrics=[psnr,ssim]"]


def test_a_shard_is_parsed_or_refused_with_what_is_allowed():
    assert parse_shard(" 3 / 4 ") == (3, 4)
    for bad in ("0/2", "3/2", "1/0", "a/b", "1-2", ""):
        with pytest.raises(ScenarioError, match=r"--shard.*expected I/N with 1 <= I <= N"):
            parse_shard(bad)


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_shards_partition_the_runs_and_bring_their_references(count):
    _, runs = plan(QUICKSTART, ["workload.seeds=[0,1,2,3]", "sweep.product.num_inference_steps=[1,2,3]"])
    shards = [select_shard(runs, i, count) for i in range(1, count + 1)]
    owned = [{r.run_id for r in shard if shard_of(r.run_id, count) == i} for i, shard in enumerate(shards, 1)]
    assert sorted(rid for ids in owned for rid in ids) == sorted(r.run_id for r in runs)  # each run once
    for shard in shards:
        ids = {r.run_id for r in shard}
        assert all(r.reference_id in ids for r in shard if r.reference_id)  # scored within the shard
        assert [r.run_id for r in shard] == [r.run_id for r in runs if r.run_id in ids]  # the sweep's order
    assert select_shard(runs, 1, 3) == select_shard(list(reversed(runs)), 1, 3)[::-1]  # order does not pick


def test_two_shards_merged_are_the_unsharded_sweep(tmp_path, capsys):
    _, runs = plan(QUICKSTART, [a for a in SMALL if a != "--set"])
    assert {shard_of(r.run_id, 2) for r in runs if r.role == "run"} == {1, 2}  # both shards have work
    whole, one, two, merged = (tmp_path / n for n in ("whole", "one", "two", "merged"))
    assert main(["run", QUICKSTART, *SMALL, "--out", str(whole)]) == 0
    assert main(["run", QUICKSTART, *SMALL, "--out", str(one), "--shard", "1/2"]) == 0
    assert main(["run", QUICKSTART, *SMALL, "--out", str(two), "--shard", "2/2"]) == 0
    capsys.readouterr()
    assert main(["results", "merge", str(one), str(two), "--into", str(merged), "--session", "matrix"]) == 0
    said = capsys.readouterr().out
    ids = {r["run_id"] for r in read_all(whole).records}
    records = read_all(merged).records
    assert sorted(r["run_id"] for r in records) == sorted(ids)  # the same set, each once
    shard_refs = len([r for r in read_all([one, two]).records if r["role"] == "reference"])
    references = len([r for r in records if r["role"] == "reference"])
    assert f"{shard_refs - references} duplicate run_ids kept once" in said
    store = OutputStore(merged / "quickstart" / "outputs")
    assert all(store.has(r["outputs"]["video"]) for r in records)
    scored = [r for r in records if r["role"] == "run"]
    assert scored and all(r["quality"]["scores"]["psnr"]["value"] > 0 for r in scored)
    assert (merged / "quickstart" / "matrix.jsonl").is_file()
    # merging again adds nothing: what the destination holds is skipped
    assert main(["results", "merge", str(one), str(two), "--into", str(merged)]) == 0
    assert "nothing new to write" in capsys.readouterr().out
    assert main(["report", str(merged), "-o", str(tmp_path / "report.html")]) == 0


def test_merge_refuses_what_it_cannot_do(tmp_path, capsys):
    assert main(["results", "merge", str(tmp_path / "nowhere"), "--into", str(tmp_path / "m")]) == 2
    assert "nowhere" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["results", "merge", str(tmp_path / "empty"), "--into", str(tmp_path / "m")]) == 2
    assert "no session .jsonl file to merge" in capsys.readouterr().err
