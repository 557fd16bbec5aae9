"""Host RSS per stage: exact through VmHWM (reset by /proc/self/clear_refs), sampled without it."""

from __future__ import annotations

import gc
import json
import mmap
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from vbench.harness.aggregate import memory as aggregate_memory
from vbench.measure import CallTracker, HostMemory

MB = 2**20
_CPUS = os.cpu_count() or 1
# The kernel records VmHWM from its RSS counters, which are per-CPU with a batch of
# max(32, 2 * CPUs) pages before they are folded; a peak can read that much low per CPU.
SLACK = max(MB, _CPUS * max(32, 2 * _CPUS) * mmap.PAGESIZE)
CLEAR_REFS = HostMemory.clear_refs_path


def _clear_refs_unwritable() -> str | None:
    try:
        with open(CLEAR_REFS, "w") as f:
            f.write("5")
    except OSError as exc:
        return f"{CLEAR_REFS} cannot be written here ({type(exc).__name__}: {exc})"
    return None


needs_clear_refs = pytest.mark.skipif(bool(_clear_refs_unwritable()), reason=str(_clear_refs_unwritable()))

# One call with stages; run in a fresh process, since resetting VmHWM is process-wide, and with
# every allocation of 64 KiB or more its own mapping, returned to the kernel when freed.
_STAGES = """
import json, time
import numpy as np
from vbench.measure.memory import HostMemory

MB = 2**20
def touch(mb):  # np.ones writes every page, so they are resident
    return np.ones(mb * MB // 8)

host = HostMemory(interval_ms=5)
host.start()
with host.stage("encode"):
    small = touch(1)
    del small
    time.sleep(0.02)
with host.stage("decode"):
    buf = touch(64)
    del buf
with host.stage("denoise"):
    held = touch(16)
    with host.stage("attention"):  # the enclosing stage's peak lies in here
        buf = touch(32)
        del buf
    del held
for mb in (24, 8):
    with host.stage("tile"):
        buf = touch(mb)
        del buf
host.stop()
print(json.dumps(host.result()))
"""


@pytest.fixture(scope="module")
def staged() -> dict:
    reason = _clear_refs_unwritable()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_ARENA_MAX": "1"}
    out = subprocess.run([sys.executable, "-c", _STAGES], capture_output=True, text=True, timeout=120,
                         check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_call_peak_is_vmhwm_and_covers_every_stage(staged):
    r = staged
    assert r["unavailable"] == {}
    assert r["peak_source"] == "VmHWM (reset at start)"
    assert r["stages_source"] == "VmHWM (reset at each stage begin)"
    assert 64 * MB - SLACK <= r["delta_rss_bytes"] <= 80 * MB
    assert r["peak_rss_bytes"] - r["baseline_rss_bytes"] == r["delta_rss_bytes"]
    assert all(r["peak_rss_bytes"] >= s["peak_rss_bytes"] for s in r["stages"].values())
    assert r["n_samples"] >= 2 and r["timeline"]["values"]  # the sampled timeline is still kept


def test_stage_peak_is_the_allocation_it_made(staged):
    stages = staged["stages"]
    assert set(stages) == {"encode", "decode", "denoise", "attention", "tile"}
    decode = stages["decode"]
    assert 64 * MB - SLACK <= decode["delta_rss_bytes"] <= 80 * MB
    assert decode["delta_rss_bytes"] == decode["peak_rss_bytes"] - decode["rss_at_begin_bytes"]
    assert decode["count"] == 1
    assert stages["encode"]["delta_rss_bytes"] < 8 * MB  # 1 MiB touched, nothing big


def test_nested_stage_folds_into_the_outer_one(staged):
    denoise, attention = staged["stages"]["denoise"], staged["stages"]["attention"]
    assert 32 * MB - SLACK <= attention["delta_rss_bytes"] <= 48 * MB
    assert 48 * MB - SLACK <= denoise["delta_rss_bytes"] <= 64 * MB  # 16 MiB held + 32 MiB in the nested stage
    assert denoise["peak_rss_bytes"] >= attention["peak_rss_bytes"]
    assert attention["rss_at_begin_bytes"] >= denoise["rss_at_begin_bytes"] + 15 * MB


def test_repeated_stage_keeps_the_max_and_the_count(staged):
    tile = staged["stages"]["tile"]
    assert tile["count"] == 2
    assert 24 * MB - SLACK <= tile["delta_rss_bytes"] <= 40 * MB  # the 24 MiB occurrence, not the 8 MiB one


def touch(mb: int) -> mmap.mmap:
    """``mb`` MiB of fresh anonymous pages, every one written, resident until ``close()``; unlike
    a malloc'ed array they cannot come from memory the allocator already holds."""
    buf = mmap.mmap(-1, mb * MB)
    np.frombuffer(buf, dtype=np.uint8)[:] = 1
    return buf


def _run_stages(host: HostMemory, big_mb: int = 64, hold_s: float = 0.06) -> dict:
    gc.collect()  # as CallTracker.start does: earlier tests' garbage is not freed during the call
    host.start()
    with host.stage("encode"):
        time.sleep(hold_s)
    with host.stage("decode"):
        buf = touch(big_mb)
        time.sleep(hold_s)  # long enough for the sampling thread to see it
        buf.close()
    host.stop()
    return host.result()


def test_without_clear_refs_peaks_are_sampled_and_say_why(monkeypatch, tmp_path):
    monkeypatch.setattr(HostMemory, "clear_refs_path", str(tmp_path / "missing" / "clear_refs"))
    r = _run_stages(HostMemory(interval_ms=5))
    assert "clear_refs" in r["unavailable"]["vmhwm"] and "FileNotFoundError" in r["unavailable"]["vmhwm"]
    assert r["peak_source"] in ("sampled", "ru_maxrss")
    assert r["peak_rss_bytes"] and r["delta_rss_bytes"] >= 56 * MB
    assert r["stages_source"].startswith("sampled every 5 ms")
    decode, encode = r["stages"]["decode"], r["stages"]["encode"]
    assert 56 * MB <= decode["delta_rss_bytes"] <= 80 * MB and decode["count"] == 1
    assert encode["delta_rss_bytes"] < 8 * MB and encode["peak_rss_bytes"] > 0
    assert "lifetime" in r["ru_maxrss_note"]
    json.dumps(r)


def test_without_clear_refs_or_psutil_everything_is_unavailable_with_reasons(monkeypatch, tmp_path):
    monkeypatch.setattr(HostMemory, "clear_refs_path", str(tmp_path / "missing" / "clear_refs"))
    host = HostMemory(interval_ms=5)
    host._process, host._reason = None, "psutil cannot read this process (ImportError)"
    r = _run_stages(host, big_mb=1, hold_s=0.0)
    assert r["peak_rss_bytes"] is None and r["stages"] == {}
    assert r["unavailable"]["rss"] == r["unavailable"]["stages"] == "psutil cannot read this process (ImportError)"
    assert r["unavailable"]["vmhwm"]


def test_stage_end_must_match_the_innermost_open_stage():
    host = HostMemory(interval_ms=5)
    host.start()
    host.begin("denoise")
    with pytest.raises(RuntimeError, match="innermost"):
        host.end("decode")
    host.stop()  # closes "denoise"
    assert host.result()["stages"]["denoise"]["count"] == 1


class Recorder:
    def __init__(self, name: str, log: list):
        self.name, self.log = name, log

    def begin(self, stage: str) -> None:
        self.log.append(("begin", self.name, stage))

    def end(self, stage: str | None = None) -> None:
        self.log.append(("end", self.name, stage))


def test_call_tracker_forwards_stage_marks_to_the_host_outside_the_clock():
    tracker = CallTracker("cpu", interval_ms=5)
    log: list = []
    tracker.host, tracker.allocator, tracker.clock = (Recorder(n, log) for n in ("host", "allocator", "clock"))
    with tracker.stage("decode"):
        pass
    assert log == [("begin", "host", "decode"), ("begin", "allocator", "decode"), ("begin", "clock", "decode"),
                   ("end", "clock", "decode"), ("end", "allocator", "decode"), ("end", "host", "decode")]
    tracker = CallTracker("cpu", samplers=False)  # no host tracker: the marks still reach the others
    log.clear()
    tracker.allocator, tracker.clock = Recorder("allocator", log), Recorder("clock", log)
    with tracker.stage("decode"):
        pass
    assert [entry[1] for entry in log] == ["allocator", "clock", "clock", "allocator"]


@needs_clear_refs
def test_call_tracker_records_host_stages_and_the_harness_keeps_them():
    calls = []
    for mb in (64, 32):
        tracker = CallTracker("cpu", interval_ms=5)
        tracker.start()
        with tracker.stage("encode"):
            time.sleep(0.01)
        with tracker.stage("decode"):
            touch(mb).close()
        calls.append({"memory": tracker.stop().memory})
    host = calls[0]["memory"]["host"]
    assert host["peak_source"] == "VmHWM (reset at start)"
    assert 64 * MB - SLACK <= host["stages"]["decode"]["delta_rss_bytes"] <= 80 * MB
    assert host["stages"]["encode"]["count"] == 1

    mem = aggregate_memory(calls, weights={})
    stages = mem["host"]["stages"]
    assert stages["decode"] == {**calls[0]["memory"]["host"]["stages"]["decode"],
                                "per_call": {"peak_rss_bytes": [c["memory"]["host"]["stages"]["decode"]["peak_rss_bytes"]
                                                                for c in calls]}}
    assert mem["host"]["stages_source"] == "VmHWM (reset at each stage begin)"
    assert mem["host"]["peak_rss_bytes"] >= stages["decode"]["peak_rss_bytes"]


def test_aggregate_takes_each_stage_from_the_call_with_the_highest_peak():
    def call(stages: dict) -> dict:
        host = {"peak_rss_bytes": 500, "baseline_rss_bytes": 100, "stages": stages, "stages_source": "x",
                "unavailable": {}}
        return {"memory": {"allocator": {"unavailable": {}}, "host": host}}

    a = {"decode": {"peak_rss_bytes": 300, "rss_at_begin_bytes": 250, "delta_rss_bytes": 50, "count": 1}}
    b = {"decode": {"peak_rss_bytes": 400, "rss_at_begin_bytes": 120, "delta_rss_bytes": 280, "count": 2},
         "encode": {"peak_rss_bytes": 150, "rss_at_begin_bytes": 100, "delta_rss_bytes": 50, "count": 1}}
    stages = aggregate_memory([call(a), call(b), call({})], weights={})["host"]["stages"]
    assert stages["decode"] == {**b["decode"], "per_call": {"peak_rss_bytes": [300, 400, None]}}
    assert stages["encode"]["per_call"] == {"peak_rss_bytes": [None, 150, None]}


# Steps marked by the step callback: each step's region runs from the previous boundary.
_STEPS = """
import json
import numpy as np
from vbench.measure.memory import HostMemory

MB = 2**20
host = HostMemory(interval_ms=5)
host.start()
with host.stage("prepare_latents"):
    latents = np.ones(4 * MB // 8)
for mb in (8, 40, 16):  # the step callback follows each step's work
    buf = np.ones(mb * MB // 8)
    del buf
    host.step()
with host.stage("vae_decode"):
    out = np.ones(2 * MB // 8)
host.stop()
print(json.dumps(host.result()))
"""


@needs_clear_refs
def test_each_step_has_its_own_peak_and_the_loop_is_a_stage():
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_ARENA_MAX": "1"}
    out = subprocess.run([sys.executable, "-c", _STEPS], capture_output=True, text=True, timeout=120,
                         check=True, env=env)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    base = res["stages"]["denoise"]["rss_at_begin_bytes"]
    deltas = [p - base for p in res["steps_peak_rss_bytes"]]
    for got, want in zip(deltas, (8, 40, 16), strict=True):
        assert want * MB - SLACK <= got <= (want + 4) * MB, deltas
    den = res["stages"]["denoise"]
    assert den["from"] == "step callbacks" and den["peak_rss_bytes"] == max(res["steps_peak_rss_bytes"])
    assert 40 * MB - SLACK <= den["delta_rss_bytes"] <= 44 * MB
    # the decode after the loop does not see the loop's peak
    assert res["stages"]["vae_decode"]["delta_rss_bytes"] <= 4 * MB
