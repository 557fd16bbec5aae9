"""Scoring stored sessions: quality written into the records, one row per run, nothing lost."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vbench.record import SCHEMA_VERSION
from vbench.results import load
from vbench.scoring.session import score_session
from vbench.store import OutputStore, RecordWriter, outputs_dir, session_path

SCENARIO = "demo"


def _record(run_id, video, *, reference_id=None, config_id="cfg", metrics=("psnr", "ssim", "temporal"), seed=0):
    return {"schema_version": SCHEMA_VERSION, "run_id": run_id, "status": "ok", "scenario": SCENARIO, "config_id": config_id,
            "reference_id": reference_id, "role": "run", "label": run_id,
            "spec": {"metrics": list(metrics), "workload": {"seed": seed}},
            "outputs": {"video": video, "shape": [1, 9, 32, 32, 3]}}


def _videos(seed, noise=8):
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 256, (1, 9, 32, 32, 3), dtype=np.uint8)
    run = np.clip(ref + rng.normal(0, noise, ref.shape), 0, 255).astype(np.uint8)
    return run, ref


def _session(tmp_path, records, name="s1"):
    path = session_path(tmp_path, SCENARIO, name)
    with RecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    return path


def _setup(tmp_path, seeds=(0,), metrics=("psnr", "ssim", "temporal")):
    store = OutputStore(outputs_dir(tmp_path, SCENARIO))
    records = []
    for seed in seeds:
        run, ref = _videos(seed)
        records.append(_record(f"ref{seed}", store.put(ref), config_id="refcfg", metrics=metrics, seed=seed))
        records.append(_record(f"run{seed}", store.put(run), reference_id=f"ref{seed}", metrics=metrics, seed=seed))
    return store, records


def test_quality_is_written_into_each_record_and_loads_as_one_row_per_run(tmp_path):
    _, records = _setup(tmp_path)
    failed = {"schema_version": SCHEMA_VERSION, "run_id": "oom1", "status": "oom", "scenario": SCENARIO, "reason": "out of memory"}
    path = _session(tmp_path, [*records, failed])
    with open(path, "ab") as fh:
        fh.write(b'{"schema_version": 2, "run_id": "cut"')  # a line cut short by a killed writer
    result = score_session(path)
    assert sorted(result.scored) == ["ref0", "run0"]
    assert path.read_bytes().endswith(b'{"schema_version": 2, "run_id": "cut"')  # kept byte for byte
    with pytest.warns(UserWarning):
        df = load(path).set_index("run_id")
    assert len(df) == 3
    run = df.loc["run0"]
    assert run["quality.reference_run_id"] == "ref0"
    assert 20 < run["quality.scores.psnr.value"] < 40 and 0 < run["quality.scores.ssim.value"] < 1
    assert len(run["quality.scores.psnr.per_frame"]) == 9
    for key in ("mean_abs_frame_diff", "mean_abs_frame_diff_gap", "frame_ssim", "warping_error", "tof"):
        assert np.isfinite(run[f"quality.scores.{key}.value"]), key
    assert np.isfinite(run["quality.details.temporal.mean_abs_frame_diff_ref"])
    ref = df.loc["ref0"]  # the reference is scored against itself: in every table, never missing
    assert ref["quality.reference"] and ref["quality.details.psnr.infinite"]
    assert np.isnan(ref["quality.scores.psnr.value"]) and "quality.unavailable.psnr" not in df.columns
    assert ref["quality.scores.ssim.value"] == pytest.approx(1.0, abs=1e-6)
    assert ref["quality.scores.mean_abs_frame_diff_gap.value"] == 0.0 and ref["quality.scores.tof.value"] == 0.0
    assert np.isfinite(df.loc["ref0", "quality.scores.mean_abs_frame_diff.value"])
    assert np.isnan(df.loc["oom1", "quality.scores.psnr.value"])
    assert score_session(path).scored == []  # already scored: nothing to do
    assert sorted(score_session(path, force=True).scored) == ["ref0", "run0"]


def test_identical_video_gives_no_fake_psnr(tmp_path):
    store = OutputStore(outputs_dir(tmp_path, SCENARIO))
    _, ref = _videos(3)
    sha = store.put(ref)
    path = _session(tmp_path, [_record("ref", sha), _record("same", sha, reference_id="ref", config_id="c2")])
    score_session(path)
    same = {r["run_id"]: r for r in map(json.loads, path.read_text().splitlines())}["same"]["quality"]
    assert same["scores"]["psnr"]["value"] is None and "PSNR is infinite" in same["unavailable"]["psnr"]
    assert same["scores"]["ssim"]["value"] == pytest.approx(1.0)


def test_a_run_of_another_resolution_is_resized_to_its_reference(tmp_path):
    """A resolution sweep against one gold reference: the run's frames are resized (bicubic,
    antialiased) to the reference's size before scoring, and the record says so."""
    import torch

    from vbench.metrics.frames import resize_frames

    store = OutputStore(outputs_dir(tmp_path, SCENARIO))
    y, x = np.mgrid[0:32, 0:32] / 32.0  # smooth frames, so a half-size copy is close after resizing back
    ref = np.stack([np.stack([np.sin(3 * x + t / 4), np.cos(2 * y - t / 5), x * y], -1) for t in range(9)])[None]
    ref = ((ref + 1) * 127).clip(0, 255).astype(np.uint8)  # (1, T, H, W, 3)
    small = resize_frames(torch.from_numpy(ref), 16, 16).numpy()
    path = _session(tmp_path, [_record("gold", store.put(ref)),
                               _record("half", store.put(small), reference_id="gold", config_id="c2")])
    score_session(path)
    half = {r["run_id"]: r for r in map(json.loads, path.read_text().splitlines())}["half"]["quality"]
    assert half["details"]["resize"]["from"] == [16, 16]
    assert half["details"]["resize"]["to"] == [32, 32] and "bicubic" in half["details"]["resize"]["method"]
    assert 30 < half["scores"]["psnr"]["value"] < 60 and "psnr" not in half["unavailable"]
    from vbench.metrics import temporal  # the run's own scores are of its own 16x16 frames

    alone = temporal.scores(temporal.profile(torch.from_numpy(small), torch.device("cpu"), None))
    for own in ("mean_abs_frame_diff", "frame_ssim", "warping_error"):
        assert half["scores"][own]["value"] == pytest.approx(alone[own]), own


def test_reference_from_an_earlier_session_is_found(tmp_path):
    _, records = _setup(tmp_path, seeds=(1,))
    _session(tmp_path, [records[0]], name="s1")
    later = _session(tmp_path, [records[1]], name="s2")
    score_session(later)
    quality = json.loads(later.read_text())["quality"]
    assert quality["reference_run_id"] == "ref1" and quality["scores"]["psnr"]["value"] > 20


def test_missing_weights_are_recorded_as_unavailable_with_the_fetch_command(tmp_path, no_weights):
    _, records = _setup(tmp_path, seeds=(0, 1), metrics=("psnr", "lpips", "temporal", "fvd"))
    path = _session(tmp_path, records)
    score_session(path)
    run = {r["run_id"]: r for r in map(json.loads, path.read_text().splitlines())}["run0"]["quality"]
    assert "lpips" not in run["scores"] and "vbench weights fetch lpips" in run["unavailable"]["lpips"]
    assert run["scores"]["tlp"]["value"] is None and "vbench weights fetch lpips" in run["unavailable"]["tlp"]
    assert run["scores"]["fvd"]["value"] is None and "vbench weights fetch i3d" in run["unavailable"]["fvd"]
    assert run["scores"]["psnr"]["value"] > 20  # the weight-free metrics are still computed


def test_a_rescore_without_weights_keeps_the_computed_scores_and_says_why(tmp_path, monkeypatch):
    from vbench.metrics import lpips_alex

    _, records = _setup(tmp_path, metrics=("psnr", "lpips"))
    path = _session(tmp_path, records)
    score_session(path)
    before = {r["run_id"]: r for r in map(json.loads, path.read_text().splitlines())}["run0"]["quality"]
    assert before["scores"]["lpips"]["value"] > 0
    monkeypatch.setenv("VBENCH_CACHE", str(tmp_path / "empty-cache"))  # the weights are gone now
    lpips_alex._build.cache_clear()
    try:
        score_session(path, force=True)
    finally:
        lpips_alex._build.cache_clear()
    after = {r["run_id"]: r for r in map(json.loads, path.read_text().splitlines())}["run0"]["quality"]
    assert after["scores"]["lpips"] == before["scores"]["lpips"]  # the computed value stays
    assert "lpips" not in after["unavailable"]
    assert "vbench weights fetch lpips" in after["rescore_failed"]["lpips"]
    assert before["scored_at"] in after["rescore_failed"]["lpips"]
    assert after["scores"]["psnr"]["value"] == pytest.approx(before["scores"]["psnr"]["value"])


class _FakeExtractor:
    """Stands in for I3D in plumbing tests: 400 deterministic features per clip."""

    device = torch.device("cpu")

    def __call__(self, clips):
        return clips.mean(dim=(2, 3, 4)).repeat(1, 134)[:, :400] + clips[:, :, :, :4, :4].reshape(len(clips), -1)[:, :400].sum()

    def describe(self):
        return {"extractor": "fake"}


def test_fvd_is_computed_per_configuration_with_n_recorded_and_flagged(tmp_path, monkeypatch):
    monkeypatch.setattr("vbench.metrics.fvd.make_extractor", lambda device, torchscript=None: _FakeExtractor())
    _, records = _setup(tmp_path, seeds=(0, 1, 2), metrics=("psnr", "fvd"))
    path = _session(tmp_path, records)
    score_session(path)
    by_id = {r["run_id"]: r["quality"] for r in map(json.loads, path.read_text().splitlines())}
    fvd, value = by_id["run0"]["details"]["fvd"], by_id["run0"]["scores"]["fvd"]
    assert fvd["config_id"] == "cfg" and fvd["n"] == 3 and fvd["n_reference"] == 3 and fvd["flagged"] is True
    assert value["value"] is not None and value["value"] >= 0 and fvd["extractor"] == "fake"
    assert value["higher_is_better"] is False
    assert by_id["run1"]["details"]["fvd"] == fvd == by_id["run2"]["details"]["fvd"]
    assert by_id["run1"]["scores"]["fvd"] == value == by_id["run2"]["scores"]["fvd"]
    assert "fvd" in by_id["ref0"]["unavailable"]  # references have no reference set


def test_a_run_whose_reference_is_missing_is_recorded_not_crashed(tmp_path):
    store, records = _setup(tmp_path, seeds=(4,))
    path = _session(tmp_path, [records[1]])  # the reference run was never stored
    result = score_session(path)
    quality = json.loads(path.read_text())["quality"]
    assert result.scored == ["run4"] and "ref4" in quality["unavailable"]["all"]


def test_score_command_scores_a_results_folder_and_rejects_a_missing_path(tmp_path, capsys):
    from vbench.cli.main import main

    _, records = _setup(tmp_path, seeds=(5,), metrics=("psnr",))
    path = _session(tmp_path, records)
    assert main(["score", str(tmp_path), "--device", "cpu"]) == 0
    assert "2 runs scored in 1 file(s)" in capsys.readouterr().err
    assert json.loads(path.read_text().splitlines()[1])["quality"]["scores"]["psnr"]["value"] > 20
    assert main(["score", str(tmp_path / "absent")]) == 2
    assert "no such results file or folder" in capsys.readouterr().err


def _fake_fvd(monkeypatch):
    monkeypatch.setattr("vbench.metrics.fvd.make_extractor", lambda device, torchscript=None: _FakeExtractor())


def _expected_fvd(store, run_shas, ref_shas):
    from vbench.metrics.frechet import frechet_distance
    from vbench.metrics.fvd import video_features

    def stats(shas):
        feats = np.concatenate([video_features(torch.from_numpy(store.get(s)), _FakeExtractor()) for s in shas])
        return feats.mean(0), np.cov(feats, rowvar=False)

    return frechet_distance(*stats(run_shas), *stats(ref_shas))


def test_fvd_pools_a_configuration_over_every_session_of_the_scenario(tmp_path, monkeypatch):
    _fake_fvd(monkeypatch)
    store, records = _setup(tmp_path, seeds=(0, 1, 2, 3), metrics=("psnr", "fvd"))
    first = _session(tmp_path, records[:4], name="s1")  # seeds 0 and 1
    score_session(first)
    second = _session(tmp_path, records[4:], name="s2")  # seeds 2 and 3, added by a later session
    score_session(second)
    fvd = {r["run_id"]: {**r["quality"]["details"]["fvd"], **r["quality"]["scores"]["fvd"]}
           for r in map(json.loads, second.read_text().splitlines())}
    assert fvd["run2"]["n"] == fvd["run2"]["n_reference"] == 4 and fvd["run2"]["sessions"] == ["s1", "s2"]
    runs = [r["outputs"]["video"] for r in records if r["reference_id"]]
    refs = [r["outputs"]["video"] for r in records if not r["reference_id"]]
    # float64 statistics streamed vs np.cov on rank-deficient (4 clips, 400 features) covariances
    assert fvd["run2"]["value"] == pytest.approx(_expected_fvd(store, runs, refs), rel=1e-5)
    quality = json.loads(first.read_text().splitlines()[1])["quality"]
    earlier = {**quality["details"]["fvd"], **quality["scores"]["fvd"]}
    assert earlier["n"] == 2 and earlier["value"] == pytest.approx(_expected_fvd(store, runs[:2], refs[:2]), rel=1e-5)


def test_a_video_too_short_for_i3d_loses_only_its_fvd(tmp_path, monkeypatch):
    _fake_fvd(monkeypatch)
    store = OutputStore(outputs_dir(tmp_path, SCENARIO))
    records = []
    for seed in (0, 1):
        run, ref = (v[:, :7] for v in _videos(seed))  # 7 frames (Mochi's shortest): I3D needs 9
        records += [_record(f"ref{seed}", store.put(ref), config_id="refcfg", metrics=("psnr", "fvd"), seed=seed),
                    _record(f"run{seed}", store.put(run), reference_id=f"ref{seed}", metrics=("psnr", "fvd"),
                            seed=seed)]
    path = _session(tmp_path, records)
    score_session(path)
    run = {r["run_id"]: r["quality"] for r in map(json.loads, path.read_text().splitlines())}["run0"]
    assert "all" not in run["unavailable"] and run["scores"]["psnr"]["value"] > 20
    assert run["scores"]["fvd"]["value"] is None and "at least 9 frames" in run["unavailable"]["fvd"]


def test_a_reference_is_read_and_profiled_once_for_itself_and_its_runs(tmp_path, monkeypatch):
    from vbench.metrics import temporal

    store, records = _setup(tmp_path, seeds=(0,))
    sha = records[0]["outputs"]["video"]
    extra = {**records[1], "run_id": "run0b", "label": "run0b", "config_id": "cfg2"}
    path = _session(tmp_path, [records[1], extra, records[0]])  # the reference written last
    reads, profiles = [], []
    get, profile = OutputStore.get, temporal.profile
    monkeypatch.setattr(OutputStore, "get", lambda self, key: reads.append(key) or get(self, key))
    monkeypatch.setattr(temporal, "profile", lambda video, *a, **k: profiles.append(video) or profile(video, *a, **k))
    assert sorted(score_session(path).scored) == ["ref0", "run0", "run0b"]
    assert reads.count(sha) == 1 and len(profiles) == 3  # the reference once, then each run


def test_a_record_appended_while_a_session_is_read_for_scoring_is_kept_whole(tmp_path, monkeypatch):
    """Scoring parses exactly the bytes it rewrites: a record a running sweep appends just after
    the read is carried over whole (and scored next time), never merged into a broken line."""
    import vbench.scoring.session as session_mod
    from vbench.store import RecordWriter, read_records

    _, records = _setup(tmp_path)
    path = _session(tmp_path, records[:1])
    real = session_mod.read_content

    def read_then_append(raw, source):
        with RecordWriter(path) as w:  # a concurrent writer, between the read and the parse
            w.write(records[1])
        return real(raw, source)

    monkeypatch.setattr(session_mod, "read_content", read_then_append)
    score_session(path)
    read = read_records(path)
    assert read.problems == [] and [r["run_id"] for r in read.records] == ["ref0", "run0"]
    assert "quality" in read.records[0] and "quality" not in read.records[1]


def test_replace_lines_refuses_a_line_that_was_not_complete(tmp_path):
    from vbench.errors import ResultsError
    from vbench.store.jsonl import replace_lines

    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    with pytest.raises(ResultsError, match="line 2 is not a complete line"):
        replace_lines(path, path.read_bytes(), {2: {"schema_version": 2}})
    assert path.read_bytes() == b'{"a": 1}\n'
