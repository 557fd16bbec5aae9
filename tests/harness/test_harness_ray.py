"""The ray executor on a local Ray instance started by the tests (``ray.init(num_cpus=2)``): each
run a task in a fresh worker process, records and videos back to the driver as tasks finish, a
worker that dies becomes a record, a killed driver keeps what finished and ``--resume`` runs the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vbench.scenario import plan
from vbench.store import OutputStore, read_all

ray = pytest.importorskip("ray")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")
SMALL = ["workload.num_frames=5", "workload.height=32", "workload.width=32", "measure.repeats=1",
         "measure.warmup=0", "measure.min_seconds=0", "measure.rel_ci=null", "measure.flops=false"]


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance whose workers can import the test hook."""
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield
    ray.shutdown()


def test_a_sweep_on_ray_writes_the_runs_of_a_local_sweep(cluster, tmp_path):
    from vbench.harness import run_sweep

    _, runs = plan(QUICKSTART, SMALL)
    result = run_sweep(runs, out_dir=tmp_path, executor="ray")
    records = read_all(tmp_path).records
    assert sorted(r["run_id"] for r in records) == sorted(r.run_id for r in runs)  # the same runs, each once
    assert all(r["status"] == "ok" for r in records), [r.get("reason") for r in records]
    assert {r["isolation"]["mode"] for r in records} == {"ray"}
    assert len({r["isolation"]["worker_pid"] for r in records}) == len(records)  # a fresh process per run
    store = OutputStore(tmp_path / "quickstart" / "outputs")
    for record in records:  # the videos came back to the driver's store, whole
        assert store.get(record["outputs"]["video"]).shape == tuple(record["outputs"]["shape"])
    assert result.path.is_file() and ray.is_initialized()  # a cluster the sweep joined is left running


def test_a_task_whose_worker_dies_is_a_record_and_the_sweep_goes_on(cluster, tmp_path):
    from vbench.harness import run_sweep

    _, runs = plan(QUICKSTART, [*SMALL, "workload.prompts=[abort, a fox]", "reference.enabled=false",
                                "sweep.product.precision=[fp32]", "sweep.product.num_inference_steps=[1]"])
    result = run_sweep(runs, out_dir=tmp_path, executor="ray", hook="misbehave:misbehave")
    by_prompt = {r["spec"]["workload"]["prompt"]: r for r in result.records}
    assert by_prompt["a fox"]["status"] == "ok"
    died = by_prompt["abort"]
    assert died["status"] == "error" and "the Ray worker running it died" in died["reason"]
    assert died["isolation"]["mode"] == "ray"


def test_a_killed_driver_keeps_what_finished_and_resume_runs_the_rest(tmp_path):
    """``vbench run --executor ray`` killed (SIGKILL) once a record is stored; the same command
    with ``--resume`` runs only the runs not stored, and together they are the sweep."""
    _, runs = plan(QUICKSTART, SMALL)
    command = [sys.executable, "-m", "vbench", "run", QUICKSTART, "--executor", "ray", "--out", str(tmp_path),
               "--no-quality", *(x for s in SMALL for x in ("--set", s))]
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    folder, deadline = tmp_path / "quickstart", time.monotonic() + 240
    while time.monotonic() < deadline and not (folder.is_dir() and read_all(folder).records):
        time.sleep(0.2)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and the Ray instance it started
    driver.wait()
    first = read_all(folder).records
    assert 1 <= len(first) < len(runs) and all(r["status"] == "ok" for r in first)
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resume: {len(first)} runs already stored" in resumed.stderr
    records = read_all(folder).records
    assert sorted(r["run_id"] for r in records) == sorted(r.run_id for r in runs)  # each run once
