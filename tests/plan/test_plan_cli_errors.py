"""`vbench plan`'s mistakes: each exits 2 with a message naming the option and what is allowed."""

from __future__ import annotations

import pytest

from vbench.cli.main import main
from vbench.store import RecordWriter, session_path


@pytest.mark.parametrize(("args", "said"), [
    ([], "give a budget: --budget-gb GIB or --gpu PROFILE"),
    (["--budget-gb", "-3"], "--budget-gb: must be a positive number of GiB (got -3.0)"),
    (["--budget-gb", "0"], "--budget-gb: must be a positive number of GiB"),
    (["--gpu", "h100"], "--gpu: no hardware profile 'h100' (did you mean h100-nvl or h100-pcie or h100-sxm?)"),
    (["--budget-gb", "24", "--frames", "0"], "--frames: must be a positive integer (got 0)"),
    (["--budget-gb", "24", "--batch", "-1"], "--batch: must be a positive integer"),
    (["--budget-gb", "24", "--margin-gb", "-1"], "--margin-gb: must be a number of GiB, 0 or more"),
])
def test_bad_options_name_the_option(tmp_path, capsys, args, said):
    assert main(["plan", str(tmp_path), *args]) == 2
    assert said in capsys.readouterr().err


def test_missing_and_unusable_results_say_what_to_run(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "nowhere"), "--budget-gb", "24"]) == 2
    assert "nowhere: no such results file or folder" in capsys.readouterr().err
    with RecordWriter(session_path(tmp_path, "s", "one")) as writer:
        writer.write({"schema_version": 2, "run_id": "x", "config_id": "x", "status": "oom", "scenario": "s",
                      "reason": "CUDA out of memory"})
    assert main(["plan", str(tmp_path), "--budget-gb", "24"]) == 2
    err = capsys.readouterr().err
    assert "no finished run with per-stage memory to fit" in err and "scenarios/fit-wan.yaml" in err
