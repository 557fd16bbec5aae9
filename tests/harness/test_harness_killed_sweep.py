"""A sweep killed midway keeps every finished record, and --resume finishes the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from vbench.results import load

pytestmark = pytest.mark.slow


def test_killed_sweep_keeps_finished_records_and_resumes(tmp_path):
    scenario = tmp_path / "killme.yaml"
    scenario.write_text(yaml.safe_dump({
        "model": {"family": "wan", "source": "tiny"},
        "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2,
                     "seeds": list(range(6))},
        "measure": {"isolation": "inline", "warmup": 0, "repeats": 1, "rel_ci": None, "flops": False},
        "reference": {"enabled": False}}))
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "vbench", "run", str(scenario), "--out", str(out), "--session", "s"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = out / "killme" / "s.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if records.exists() and len(records.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = [json.loads(line) for line in records.read_text().splitlines() if line.strip()]
    assert 2 <= len(finished) < 6, "the sweep was not killed midway"
    assert all(r["status"] == "ok" for r in finished)
    assert len(load(records)) == len(finished)

    done = subprocess.run([*cmd[:-2], "--session", "s2", "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    resumed = [json.loads(line) for line in (out / "killme" / "s2.jsonl").read_text().splitlines()]
    assert len(resumed) == 6 - len(finished)
    assert {r["run_id"] for r in resumed}.isdisjoint({r["run_id"] for r in finished})
    assert len(load(out / "killme")) == 6
