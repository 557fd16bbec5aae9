"""Scoring overlaps the sweep only where no run is timed: the worker waits before its warm-up until
the parent's scorer is paused, the scorer stays paused until the run's record is in, and the
scores are the ones scoring after the sweep gives."""

from __future__ import annotations

import threading
import time
import typing

from tests.harness.harness_cases import TINY_WAN, runs_of
from vbench.harness import run_sweep
from vbench.record import Overlap
from vbench.scoring.overlap import OverlapScorer
from vbench.scoring.session import score_session
from vbench.store import read_records


class _SlowScoring:
    """Stands in for :class:`~vbench.scoring.session.Scoring`: each score takes ``seconds``."""

    def __init__(self, seconds: float, prepare_s: float = 0.0):
        self.seconds, self.prepare_s, self.log, self.prepared = seconds, prepare_s, [], False

    def prepare(self, metrics):
        time.sleep(self.prepare_s)
        self.prepared = True

    def quality(self, record, known):
        start = time.monotonic()
        time.sleep(self.seconds)
        self.log.append((record["run_id"], start, time.monotonic()))
        return {"scores": {}}


def _ok(run_id, reference_id=None):
    return {"run_id": run_id, "status": "ok", "reference_id": reference_id, "session": "s",
            "spec": {"metrics": ["psnr"]}, "outputs": {"video": f"sha-{run_id}"}}


def _scorer(tmp_path, seconds=0.0, device="cpu", measured=("cpu",), prepare_s=0.0):
    scorer = OverlapScorer(tmp_path / "demo", ["psnr"], device, list(measured))
    scorer.scoring = _SlowScoring(seconds, prepare_s)
    return scorer.start()


def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_pause_waits_for_the_score_in_progress_and_none_starts_until_resume(tmp_path):
    scorer = _scorer(tmp_path, seconds=0.3)
    _until(lambda: scorer.scoring.prepared)
    scorer.add(_ok("a"))
    _until(lambda: scorer._busy)
    answer = scorer.pause()
    paused_at = time.monotonic()
    assert answer["paused"] and answer["waited_s"] > 0.05 and [run for run, *_ in scorer.scoring.log] == ["a"]  # it finished the score first
    scorer.add(_ok("b"))
    time.sleep(0.5)
    assert len(scorer.scoring.log) == 1  # paused: b waits
    resumed_at = time.monotonic()
    scorer.resume()
    _until(lambda: len(scorer.scoring.log) == 2)
    assert scorer.scoring.log[0][2] <= paused_at and scorer.scoring.log[1][1] >= resumed_at
    scorer.close()
    assert scorer.scored == 2 and scorer.why_not is None


def test_a_run_is_scored_once_its_reference_is_recorded(tmp_path):
    scorer = _scorer(tmp_path)
    scorer.add(_ok("run", reference_id="ref"))
    time.sleep(0.3)
    assert scorer.scoring.log == []  # its reference is not recorded yet
    scorer.add({**_ok("oom"), "status": "oom"})  # failures are neither scored nor references
    scorer.add(_ok("ref"))
    _until(lambda: len(scorer.scoring.log) == 2)
    assert sorted(run for run, *_ in scorer.scoring.log) == ["ref", "run"]
    scorer.close()


def test_no_overlap_on_the_gpu_the_runs_measure_on(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    scorer = _scorer(tmp_path, device="cuda", measured=("auto", "cuda:0"))
    scorer.close()
    assert not scorer.scoring.prepared  # nothing loaded on the card
    assert "share the GPU" in scorer.why_not and "auto" in scorer.why_not
    assert scorer.pause()["waited_s"] < 0.1  # the harness is never held up by it
    other = _scorer(tmp_path, device="cuda:1", measured=("cuda:0",))
    _until(lambda: other.scoring.prepared)
    other.close()
    assert other.why_not is None


def test_a_sweep_times_nothing_while_its_scorer_works(tmp_path):
    """Real workers: every run waits for the scorer to pause before its warm-up; no score runs
    between that moment and the run's record; the scores equal a fresh scoring after the sweep."""
    runs = runs_of(TINY_WAN, workload={"seeds": [0, 1]}, measure={"isolation": "group"},
                   sweep={"product": {"num_inference_steps": [1, 2]}},
                   reference={"enabled": True, "workload": {"num_inference_steps": 2}}, metrics=["psnr", "ssim"])
    scorer = OverlapScorer(tmp_path / runs[0].scenario, ["psnr", "ssim"], "cpu", ["cpu"])  # the sweep starts it
    scores, quiet, lock = [], [], threading.Lock()
    real_quality, real_pause, real_resume = scorer.scoring.quality, scorer.pause, scorer.resume

    def quality(record, known):
        start = time.monotonic()
        time.sleep(0.4)  # a slow score: a run that becomes ready meanwhile has to wait for it
        out = real_quality(record, known)
        with lock:
            scores.append((start, time.monotonic()))
        return out

    def pause(timeout_s=None):
        answer = real_pause(timeout_s)
        quiet.append([time.monotonic(), None])
        return answer

    def resume():
        quiet[-1][1] = time.monotonic()
        real_resume()

    scorer.scoring.quality, scorer.pause, scorer.resume = quality, pause, resume
    result = run_sweep(runs, out_dir=tmp_path, gate=scorer)
    warm = scorer.close()
    assert [r["status"] for r in result.records] == ["ok"] * 4, [r.get("reason") for r in result.records]
    assert all(r["isolation"]["overlap"]["paused"] for r in result.records)
    assert all(set(r["isolation"]["overlap"]) == set(typing.get_type_hints(Overlap)) for r in result.records)
    assert len(quiet) == 4 and scorer.scored >= 1
    for start, end in scores:
        for paused, resumed in quiet:
            assert end <= paused or start >= resumed, "a score ran while a run was timed"
    score_session(result.path, scoring=warm)
    overlapped = {r["run_id"]: r["quality"] for r in read_records(result.path).records}
    score_session(result.path, force=True)  # a fresh scorer, after the sweep
    fresh = {r["run_id"]: r["quality"] for r in read_records(result.path).records}
    for run_id, quality in fresh.items():
        assert {k: v for k, v in overlapped[run_id].items() if k != "scored_at"} == \
               {k: v for k, v in quality.items() if k != "scored_at"}


def test_the_environment_a_library_sets_on_import_keeps_workers_warm(monkeypatch):
    """torchvision sets TORCHINDUCTOR_CACHE_DIR to its default when imported (the scorer imports it
    in the parent): that is no change of environment, another value is."""
    from vbench.harness import launcher

    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    before = launcher._environment()
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", launcher._set_on_import()["TORCHINDUCTOR_CACHE_DIR"])
    assert launcher._environment() == before
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "/elsewhere")
    assert launcher._environment() != before


def test_inline_runs_are_scored_after_the_sweep(tmp_path):
    """Inline runs share this process (its host memory, its threads): no scorer beside them."""
    from vbench.cli.run_cmd import _overlap_scorer

    runs = runs_of(TINY_WAN, measure={"isolation": "inline"}, metrics=["psnr"])
    assert _overlap_scorer(tmp_path, None, runs, None) is None


def test_a_scorer_the_sweep_never_started_loads_nothing(tmp_path):
    """``--resume`` with nothing left to run: the sweep never starts its scorer, so closing it
    waits for nothing and nothing outlives the scenario."""
    scorer = OverlapScorer(tmp_path / "demo", ["psnr"], "cpu", ["cpu"])
    scorer.scoring = _SlowScoring(0.0, prepare_s=2.0)
    t0 = time.monotonic()
    scorer.close()
    assert time.monotonic() - t0 < 0.5 and not scorer.scoring.prepared


def test_a_score_that_outlasts_the_timeout_ends_the_overlap(tmp_path):
    scorer = _scorer(tmp_path, seconds=1.5)
    _until(lambda: scorer.scoring.prepared)
    scorer.add(_ok("a"))
    _until(lambda: scorer._busy)
    answer = scorer.pause(timeout_s=0.2)
    assert not answer["paused"] and 0.2 <= answer["waited_s"] < 1.0
    assert "may have been" in answer["note"] and "outlasted" in scorer.why_not
    scorer.resume()
    scorer.add(_ok("b"))
    scorer.close()
    assert [run for run, *_ in scorer.scoring.log] == ["a"]  # no score after that: b is scored after the sweep
