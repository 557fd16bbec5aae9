"""What ``vbench`` prints when it is not talking to a terminal (a CI log, a pipe): plain progress lines
naming the phases, no third-party warnings (they go into the record), no wrapping at 80 columns, one
line on Ctrl-C, and no traceback when the reader of a pipe goes away."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import warnings

import pytest
import yaml

from vbench.cli.main import main

pytestmark = pytest.mark.slow

TINY = {"model": {"family": "wan", "source": "tiny"},
        "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
        "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "isolation": "inline", "flops": False},
        "reference": {"enabled": False}}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # anything but a newline and a tab


def scenario(tmp_path, name="s", **sections) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**TINY, **sections}))
    return str(path)


def records(folder) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.rglob("*.jsonl")) for line in f.read_text().splitlines()
            if line.strip()]


def test_plain_progress_names_every_phase_once(tmp_path, capsys):
    path = scenario(tmp_path, workload={**TINY["workload"], "seeds": [0, 1]},
                    measure={**TINY["measure"], "warmup": 1, "repeats": 3, "rel_ci": 0.5, "max_repeats": 5},
                    reference={}, metrics=["psnr"])
    assert main(["run", path, "--out", str(tmp_path / "r")]) == 0
    captured = capsys.readouterr()
    err = captured.err
    assert not CONTROL.search(err + captured.out), "control characters in output that is not a terminal"
    for n in (1, 2):
        lines = [ln for ln in err.splitlines() if ln.startswith(f"[{n}/2] ")]
        phases = [ln.split(": ", 1)[1].split(":")[0].split(" ")[0] for ln in lines]
        assert phases == ["load", "warm-up", "measuring", "ok"], lines  # one line per phase change
        assert "measuring: call 1 (at least 3, then until the median is within ±50.0 %)" in lines[2]
        assert re.search(r"; [345] calls, median ±\d+\.\d % \(target ±50\.0 %\)", lines[3]), lines[3]
    assert "scoring: 2 run(s) (psnr)" in err


def test_third_party_output_goes_into_the_record_not_the_console(tmp_path, capfd, monkeypatch):
    import vbench.models

    original = vbench.models.build_pipeline

    def noisy(*args, **kwargs):  # what importing diffusers / torchao does, all four ways
        warnings.warn("a third-party FutureWarning at import", FutureWarning, stacklevel=1)
        print("printed by a library", file=sys.stderr)
        os.write(2, b"written by native code\n")
        logging.getLogger("vbench-tests.noise").warning("logged by a library")
        return original(*args, **kwargs)

    library_log = logging.getLogger("vbench-tests.noise")  # a library's handler, bound to the process's stderr
    handler = logging.StreamHandler(open(2, "w", closefd=False))  # noqa: SIM115
    library_log.addHandler(handler)
    library_log.propagate = False
    monkeypatch.setattr(vbench.models, "build_pipeline", noisy)
    out = tmp_path / "r"
    try:
        assert main(["run", scenario(tmp_path), "--out", str(out)]) == 0
    finally:
        library_log.removeHandler(handler)
    shown = "".join(capfd.readouterr())
    for text in ("FutureWarning", "printed by a library", "written by native code", "logged by a library"):
        assert text not in shown
    assert "[1/1] wan-tiny: ok" in shown
    (rec,) = records(out)
    kept = "\n".join(rec["env"]["warnings"])
    assert "FutureWarning: a third-party FutureWarning at import" in kept
    for text in ("printed by a library", "written by native code", "logged by a library"):
        assert text in kept


def test_a_wide_table_is_not_wrapped_at_80_columns_off_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # left behind by a parent process: still not wrapped
    prompt = "a very long prompt that makes the table wider than eighty columns, on purpose"
    path = scenario(tmp_path, workload={**TINY["workload"], "prompts": [prompt], "seeds": [0, 1]},
                    sweep={"product": {"precision": ["fp32", "bf16"], "offload": ["none", "model"]}})
    assert main(["run", path, "--dry-run"]) == 0
    rows = [ln for ln in capsys.readouterr().out.splitlines() if "wan-tiny-" in ln]
    assert len(rows) == 8 and all(len(ln) > 80 for ln in rows)  # each run on one line, however wide
    assert main(["run", path, "--out", str(tmp_path / "r"), "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    summary = [ln for ln in captured.out.splitlines() if "offload=model" in ln]
    assert len(summary) == 4 and all("requires accelerator, but not found" in ln for ln in summary)
    assert any(len(ln) > 80 and "offload 'model' onloads weights" in ln for ln in captured.err.splitlines())


def test_a_closed_pipe_ends_quietly(tmp_path):
    vbench = [sys.executable, "-m", "vbench"]
    for args in (["env", "--json"], ["list", "families"], ["run", scenario(tmp_path), "--dry-run"]):
        proc = subprocess.Popen([*vbench, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # the reader went away before anything was written (`| head` that is done)
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) in (0, 1, 141), (args, err)
        assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, (args, err)
    shell = subprocess.run(f"{sys.executable} -m vbench env --json | head -1", shell=True, capture_output=True,
                           text=True, timeout=120)
    assert shell.stdout.strip() == "{" and "Traceback" not in shell.stderr


@pytest.mark.parametrize("isolation", ["inline", "group"])
def test_ctrl_c_ends_with_one_line_and_keeps_the_finished_records(tmp_path, isolation):
    path = scenario(tmp_path, workload={**TINY["workload"], "seeds": list(range(30))},
                    measure={**TINY["measure"], "isolation": isolation})
    out = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "vbench", "run", path, "--out", str(out), "--session", "s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    stored = out / "s" / "s.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (stored.exists() and len(stored.read_text().splitlines()) >= 2):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "leaked" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    finished = records(out)
    assert 2 <= len(finished) < 30 and all(r["status"] == "ok" for r in finished)
    assert last == (f"interrupted: {len(finished)} of 30 runs finished and stored in {stored}; the same command "
                    "with --resume runs the rest")
    assert sum("interrupted" in line for line in stderr.splitlines()) == 1
