"""Regenerate the report's golden results (run once; the output is committed).

    python tests/report/golden/make_golden.py /path/to/real/quickstart/session.jsonl

Starts from the four records of a real ``vbench run scenarios/quickstart.yaml`` on a 2-core CPU
box (kept as they are, except that their videos are replaced by small synthetic ones so the files
stay small), and derives from them:

* ``gpu-box/quickstart``: the same run_ids on an H100 (faster, with allocator stages, NVML and energy),
* ``gpu-box/tiling``: a second scenario with a 24 GiB memory budget, a prompt holding ``<script>``,
  a sweep over VAE tiling and frame chunking, and one ``oom`` and one ``unsupported`` run,
* ``cpu-box/quickstart``: plus an ``unsupported`` offload run (offload needs an accelerator),

with quality scores on the bf16 and tiled runs (``quality.scores.psnr.value``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from vbench.store import OutputStore, RecordWriter

HERE = Path(__file__).parent
SCRIPT_PROMPT = '<script>alert("x")</script> a fox & a "hound"'
GPU_ENV = {"host": "gpu-01", "gpu": {"name": "NVIDIA H100 80GB HBM3", "memory_bytes": 85029158912,
                                     "compute_capability": "9.0", "count": 1, "driver": "550.54.15"},
           "cuda": "12.4"}


def video(seed: int, noise: float) -> np.ndarray:
    t, y, x = np.meshgrid(np.arange(9), np.arange(32), np.arange(32), indexing="ij")
    base = np.stack([(x * 8 + t * 10) % 256, (y * 8) % 256, (x + y + t * 6) % 256], axis=-1).astype(float)
    rng = np.random.default_rng(seed)
    return np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8)[None]


def summary(samples: list[float], unit: str) -> dict:
    from vbench.record import summarize
    return summarize(samples, unit)


def scale_timing(rec: dict, factor: float) -> None:
    t = rec["timing"]
    for key in ("e2e", "unaccounted"):
        t[key] = summary([x * factor for x in t[key]["samples"]], "s")
    for name, stage in t["stages"].items():
        t["stages"][name] = summary([x * factor for x in stage["samples"]], "s")
    t["steps"]["per_call"] = [[x * factor for x in call] for call in t["steps"]["per_call"]]
    t["steps"]["median_by_step"] = [x * factor for x in t["steps"]["median_by_step"]]
    t["steps"]["all"] = summary([x for call in t["steps"]["per_call"] for x in call], "s")
    frames = t["frames_per_call"]
    t["fps"] = {**summary([frames / x for x in t["e2e"]["samples"]], "frames/s"),
                "of_median_latency": frames / t["e2e"]["median"]}


def gpu_memory(rec: dict, peak_gb: float) -> None:
    peak = int(peak_gb * 1e9)
    stages = {"text_encode": 0.30, "denoise": 0.75, "vae_decode": 1.0}
    rec["memory"] = {
        "weights": rec["memory"]["weights"], "unavailable": {},
        "allocator": {"peak_allocated_bytes": int(peak * 0.9), "peak_reserved_bytes": peak,
                      "activation_peak_bytes": int(peak * 0.5), "alloc_retries": 0,
                      "stages": {k: {"peak_allocated_bytes": int(peak * 0.9 * f),
                                     "peak_reserved_bytes": int(peak * f)} for k, f in stages.items()}},
        "host": rec["memory"]["host"],
        "nvml": {"process_used_peak_bytes": int(peak * 1.05), "device_used_peak_bytes": int(peak * 1.1)},
        "peak": {"bytes": int(peak * 1.05), "source": "nvml_process_used"},
    }
    e2e = rec["timing"]["e2e"]["samples"]
    rec["energy"] = {"joules_per_call": summary([x * 520 for x in e2e], "J"),
                     "joules_per_video": summary([x * 520 for x in e2e], "J"),
                     "method": "nvml_energy_counter", "scope": "device", "unavailable": {}}
    rec["device"] = "cuda"
    rec["timing"]["clock"] = "cuda_events"


def quality(rec: dict, psnr: float) -> None:
    """Quality in the layout ``vbench score`` writes (schema 2: every score under ``scores``)."""
    from vbench.record import score

    ssim, lpips = round(1 - 10 ** (-psnr / 20) * 3, 4), round(10 ** (-psnr / 20) * 5, 4)
    rec["quality"] = {"reference_run_id": rec["reference_id"], "scored_at": rec["finished_at"], "device": "cpu",
                      "scores": {"psnr": score("psnr", psnr, [psnr + d for d in (-0.4, 0.1, 0.3)]),
                                 "ssim": score("ssim", ssim, [ssim] * 3),
                                 "lpips": score("lpips", lpips, [lpips] * 3),
                                 "mean_abs_frame_diff": score("mean_abs_frame_diff", 0.112),
                                 "mean_abs_frame_diff_gap": score("mean_abs_frame_diff_gap",
                                                                  round(10 ** (-psnr / 20) / 10, 5)),
                                 "tof": score("tof", 1.7)},
                      "details": {"psnr": {"videos": 1}, "ssim": {"videos": 1}, "lpips": {"videos": 1, "net": "alex"},
                                  "temporal": {"mean_abs_frame_diff_ref": 0.111}},
                      "unavailable": {}}


def run_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def main(template_path: str) -> None:
    from vbench.store import migrate_record

    real = [migrate_record(json.loads(line)) for line in Path(template_path).read_text().splitlines()
            if line.strip()]  # a session of any schema version, as the current one
    assert len(real) == 4 and all(r["status"] == "ok" for r in real)
    for old in HERE.glob("*-box"):  # RecordWriter appends: start from nothing
        shutil.rmtree(old)

    def store_video(rec: dict, root: Path, seed: int, noise: float) -> None:
        sha = OutputStore(root / "outputs").put(video(seed, noise))
        rec["outputs"].update(video=sha, hashes=[sha], shape=[1, 9, 32, 32, 3])

    # the CPU box: the real records, small videos, quality on the bf16 runs, one unsupported run
    cpu_dir = HERE / "cpu-box" / "quickstart"
    cpu = copy.deepcopy(real)
    for i, rec in enumerate(cpu):
        is_ref = rec["reference_id"] is None
        store_video(rec, cpu_dir, seed=0 if is_ref else 1, noise=0 if is_ref else 6)
        if not is_ref:
            quality(rec, 36.5 + i)
    offload = copy.deepcopy(real[0])
    for key in ("timing", "memory", "energy", "flops", "outputs", "applied", "model_info"):
        offload.pop(key, None)
    offload["spec"]["optimizations"]["offload"] = "model"
    offload["spec"]["axes"] = {**offload["spec"]["axes"], "optimizations.offload": "model"}
    offload.update(run_id=run_id("offload"), config_id=run_id("offload-config"), label="wan-tiny-fp32-steps2-offload",
                   reference_id=real[0]["run_id"], status="unsupported",
                   reason="enable_model_cpu_offload requires accelerator, but not found")
    with RecordWriter(cpu_dir / "20261122T061508-cpu.jsonl") as w:
        for rec in [*cpu, offload]:
            w.write(rec)

    # the GPU box: the same run_ids, ten times faster, with GPU memory and energy
    gpu_dir = HERE / "gpu-box" / "quickstart"
    gpu = copy.deepcopy(cpu)
    for i, rec in enumerate(gpu):
        rec["env"].update(copy.deepcopy(GPU_ENV))
        rec["session"] = "20261122T090000-gpu"
        scale_timing(rec, 0.08 + 0.01 * i)
        gpu_memory(rec, 3.1 + 0.2 * (rec["spec"]["optimizations"]["precision"] == "fp32"))
        is_ref = rec["reference_id"] is None
        store_video(rec, gpu_dir, seed=0 if is_ref else 2, noise=0 if is_ref else 5)
    with RecordWriter(gpu_dir / "20261122T090000-gpu.jsonl") as w:
        for rec in gpu:
            w.write(rec)

    # a second scenario on the GPU box: tiling x chunking at a 24 GiB budget, an OOM and an unsupported run
    tiling_dir = HERE / "gpu-box" / "tiling"
    out = []
    cells = [(False, None, "ok", 31.0), (True, None, "ok", 9.5), (False, 8, "oom", None), (True, 8, "ok", 7.2),
             (False, 4, "unsupported", None), (True, 4, "ok", 6.1)]
    ref_id = None
    for j, (tiling, chunk, status, peak) in enumerate(cells):
        rec = copy.deepcopy(gpu[1])
        rec["scenario"] = "tiling"
        rec["spec"]["limits"]["memory_budget_gb"] = 24.0
        rec["spec"]["workload"]["prompt"] = SCRIPT_PROMPT
        rec["spec"]["optimizations"].update(vae_tiling=tiling, chunk_frames=chunk)
        rec["spec"]["axes"] = {"optimizations.vae_tiling": tiling, "optimizations.chunk_frames": chunk}
        rid = run_id(f"tiling-{tiling}-{chunk}")
        ref_id = ref_id or rid
        rec.update(run_id=rid, config_id=run_id(f"tiling-config-{tiling}-{chunk}"),
                   label=f"wan-tiling-{'on' if tiling else 'off'}-chunk{chunk or 'all'}",
                   reference_id=None if rid == ref_id else ref_id, session="20261122T091500-gpu")
        if status == "ok":
            scale_timing(rec, 1.0 + 0.15 * j)
            gpu_memory(rec, peak)
            store_video(rec, tiling_dir, seed=0 if rid == ref_id else 10 + j, noise=0 if rid == ref_id else 3 + 2 * j)
            if rid != ref_id:
                quality(rec, 44.0 - 2.5 * j)
        else:
            for key in ("timing", "memory", "energy", "flops", "outputs", "applied", "model_info"):
                rec.pop(key, None)
            rec["status"] = status
            rec["reason"] = ("CUDA out of memory. Tried to allocate 26.00 GiB (GPU 0; 79.10 GiB total capacity)"
                             if status == "oom" else
                             "chunk_frames=4 is below the temporal compression window of this VAE (<4 frames>)")
        out.append(rec)
    with RecordWriter(tiling_dir / "20261122T091500-gpu.jsonl") as w:
        for rec in out:
            w.write(rec)


if __name__ == "__main__":
    main(sys.argv[1])
