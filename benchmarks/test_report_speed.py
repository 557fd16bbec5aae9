"""Report generation at scale: 500 runs (two machines, three scenarios, failures, quality, videos)
must take under 10 s and give a file under 10 MB with previews limited.

The 500 records are derived from the report's golden results (tests/report/golden), with varied
settings and latencies; each scenario folder keeps its own stored videos.
"""

from __future__ import annotations

import copy
import shutil
import time
from pathlib import Path

import numpy as np

from vbench.report import write_report
from vbench.results import records
from vbench.store import RecordWriter

GOLDEN = Path(__file__).parent.parent / "tests" / "report" / "golden"
N_RUNS = 500


def make_results(root: Path, n: int = N_RUNS) -> Path:
    templates = [r for r in records(GOLDEN) if r["status"] == "ok"]
    failures = [r for r in records(GOLDEN) if r["status"] != "ok"]
    rng = np.random.default_rng(0)
    by_scenario: dict[str, list[dict]] = {}
    for i in range(n):
        scenario = f"sweep{i % 3}"
        if i % 25 == 24:
            rec = copy.deepcopy(failures[i % len(failures)])
        else:
            rec = copy.deepcopy(templates[i % len(templates)])
            factor = float(rng.uniform(0.5, 2.0))
            rec["timing"]["e2e"]["samples"] = [x * factor for x in rec["timing"]["e2e"]["samples"]]
            rec["timing"]["e2e"]["median"] *= factor
            rec["memory"]["peak"]["bytes"] = int(rec["memory"]["peak"]["bytes"] * rng.uniform(0.5, 3.0))
            if "psnr" in rec.get("quality", {}).get("scores", {}):
                rec["quality"]["scores"]["psnr"]["value"] = float(rng.uniform(25, 45))
        rec["scenario"] = scenario
        rec["run_id"] = f"{i:012x}"
        rec["reference_id"] = f"{i - i % 8:012x}" if i % 8 else None
        rec["label"] = f"run-{i}"
        rec["spec"]["axes"] = {"optimizations.precision": ["fp32", "bf16", "fp16"][i % 3],
                               "workload.num_inference_steps": [2, 4, 8, 16, 32][(i // 3) % 5],
                               "optimizations.chunk_frames": [None, 4, 8, 16][(i // 15) % 4]}
        by_scenario.setdefault(scenario, []).append(rec)
    for scenario, recs in by_scenario.items():
        folder = root / scenario
        for src in GOLDEN.glob("*/*/outputs"):
            shutil.copytree(src, folder / "outputs", dirs_exist_ok=True)
        with RecordWriter(folder / "session.jsonl") as w:
            for rec in recs:
                w.write(rec)
    return root


def test_report_500_runs_fast_and_small(tmp_path):
    results = make_results(tmp_path / "results")
    assert len(records(results)) == N_RUNS
    start = time.perf_counter()
    out = write_report(results, tmp_path / "report.html", prices={"H100": 2.49})
    seconds = time.perf_counter() - start
    size = out.stat().st_size
    print(f"\nreport of {N_RUNS} runs: {seconds:.2f} s, {size / 1e6:.2f} MB")
    assert seconds < 10
    assert size < 10_000_000
