"""Folding the per-call measurements of a run into the record's timing, memory and energy.

Every raw sample is kept next to its summary. The stage times are measured independently of the
end-to-end time, so ``timing.unaccounted`` (end-to-end minus text encoding, every denoising step
and the VAE decode) is a real check of the clock, not a residual forced to fit.
"""

from __future__ import annotations

import statistics
from typing import Any

from vbench.record import BY_NAME, Energy, Memory, PeakMemory, Timing, summarize


def timing(calls: list[dict], *, load_s: float, first_call_s: float, warmup_s: list[float],
           cold_included: bool, frames: int) -> Timing:
    timings = [c["timing"] for c in calls]
    e2e = [t.e2e_s for t in timings]
    names = sorted({n for t in timings for n in t.stages})
    stages = {n: summarize([t.stages[n].seconds if n in t.stages else 0.0 for t in timings], "s") for n in names}
    for n in names:  # a stage inside another (the VAE encoding of an image inside prepare_latents) says so
        inside = {t.stages[n].within for t in timings if n in t.stages and t.stages[n].depth > 0}
        if inside:
            stages[n]["within"] = sorted(inside)[0]
    tracked = all(c["steps_tracked"] for c in calls)
    unavailable: dict[str, str] = {}
    steps: dict[str, Any] = {"tracked": tracked, "marked_by": calls[0].get("steps_marked_by")}
    if tracked:
        per_call = [list(t.steps) for t in timings]
        stages["denoise"] = summarize([sum(s) for s in per_call], "s")
        n = min(len(s) for s in per_call)
        steps.update(per_call=per_call,
                     median_by_step=[statistics.median(s[i] for s in per_call) for i in range(n)],
                     all=summarize([x for s in per_call for x in s], "s"))
        unaccounted = [t.outside_stages_s - sum(t.steps) for t in timings]
    else:
        unavailable["steps"] = ("the pipeline has neither a callback_on_step_end nor a scheduler with a step "
                                "method, so steps cannot be marked")
        unaccounted = [t.outside_stages_s for t in timings]
    return {
        "clock": timings[0].method,
        "load_s": load_s,
        "first_call_s": first_call_s,
        "cold_included": cold_included,
        "warmup_s": list(warmup_s),
        "e2e": summarize(e2e, "s"),
        "stages": stages,
        "steps": steps,
        "unaccounted": summarize(unaccounted, "s"),
        "fps": {**summarize([frames / x for x in e2e], BY_NAME["fps"].unit),
                "of_median_latency": frames / statistics.median(e2e)},
        "frames_per_call": frames,
        "unavailable": unavailable,
    }


def memory(calls: list[dict], weights: dict) -> Memory:
    """The highest reading of each source over the timed calls, and the best available peak."""
    out: Memory = {"weights": weights, "unavailable": {}}
    alloc = [c["memory"]["allocator"] for c in calls]
    host = [c["memory"]["host"] for c in calls]
    gpu = [c["memory"]["nvml"] for c in calls if c["memory"].get("nvml", {}).get("n_samples")]
    out["allocator"] = _max_reading(alloc, ("peak_allocated_bytes", "peak_reserved_bytes",
                                            "activation_peak_bytes", "baseline_allocated_bytes",
                                            "baseline_reserved_bytes", "alloc_retries"))
    if out["allocator"] is not None:
        out["allocator"]["stages"] = _stage_max([a.get("stages", {}) for a in alloc])
    out["host"] = _max_reading(host, ("peak_rss_bytes", "delta_rss_bytes", "baseline_rss_bytes",
                                      "final_rss_bytes", "ru_maxrss_bytes"))
    if out["host"] is not None:
        out["host"]["peak_source"] = host[-1].get("peak_source")
        out["host"]["note"] = host[-1].get("ru_maxrss_note")
        out["host"]["stages"] = _host_stage_max([h.get("stages") or {} for h in host])
        out["host"]["stages_source"] = host[-1].get("stages_source")
        out["host"]["steps_peak_rss_bytes"] = host[-1].get("steps_peak_rss_bytes")  # the last (steady) call's
    out["nvml"] = _max_reading(gpu, ("process_used_peak_bytes", "device_used_peak_bytes",
                                     "device_used_baseline_bytes")) if gpu else None
    for reading in (alloc[-1], host[-1], calls[-1]["memory"].get("nvml") or {}):
        out["unavailable"].update(reading.get("unavailable", {}))
    out["peak"] = _best_peak(out)
    return out


def _max_reading(readings: list[dict], keys: tuple[str, ...]) -> dict[str, Any] | None:
    values = {k: [r.get(k) for r in readings if r.get(k) is not None] for k in keys}
    if not any(values.values()):
        return None
    result = {k: (max(v) if v else None) for k, v in values.items()}
    result["per_call"] = {k: [r.get(k) for r in readings] for k in keys[:1]}
    return result


def _stage_max(stage_dicts: list[dict]) -> dict[str, Any]:
    merged: dict[str, dict[str, int]] = {}
    for stages in stage_dicts:
        for name, entry in stages.items():
            cur = merged.setdefault(name, {})
            for k, v in entry.items():
                if isinstance(v, (int, float)) and k != "count":
                    cur[k] = max(cur.get(k, v), v)
    return merged


def _host_stage_max(stage_dicts: list[dict]) -> dict[str, Any]:
    """Per stage, the reading of the call with the highest peak RSS (its RSS at begin, delta and
    count belong to that call), and the stage's peak in every call (None where it did not run)."""
    merged: dict[str, Any] = {}
    for name in dict.fromkeys(n for stages in stage_dicts for n in stages):
        entries = [stages.get(name) or {} for stages in stage_dicts]
        peaks = [e.get("peak_rss_bytes") for e in entries]
        best = max((e for e in entries if e.get("peak_rss_bytes") is not None),
                   key=lambda e: e["peak_rss_bytes"], default=None)
        if best is not None:
            merged[name] = {**best, "per_call": {"peak_rss_bytes": peaks}}
    return merged


def _best_peak(mem: dict) -> PeakMemory:
    """The peak a user compares with their card: NVML process memory, else the allocator's
    reserved bytes (what the process holds from the driver), else host RSS on a CPU run."""
    gpu, alloc, host = mem.get("nvml") or {}, mem.get("allocator") or {}, mem.get("host") or {}
    for source, value in (("nvml_process_used", gpu.get("process_used_peak_bytes")),
                          ("allocator_reserved", alloc.get("peak_reserved_bytes")),
                          ("host_rss", host.get("peak_rss_bytes"))):
        if value is not None:
            return {"bytes": value, "source": source}
    return {"bytes": None, "source": None}


def energy(calls: list[dict], videos_per_call: int) -> Energy:
    """Joules per call and per video from NVML; unavailable with the reason otherwise."""
    readings = [c.get("energy") or {} for c in calls]
    joules = [r.get("energy_j") for r in readings]
    if joules and all(j is not None for j in joules):
        unit = BY_NAME["energy_per_video"].unit
        return {"joules_per_call": summarize(joules, unit),
                "joules_per_video": summarize([j / videos_per_call for j in joules], unit),
                "method": readings[-1].get("method"), "scope": readings[-1].get("scope"), "unavailable": {}}
    reason = next((r["unavailable"]["energy"] for r in readings if r.get("unavailable", {}).get("energy")),
                  "energy needs NVML on a CUDA device; this run ran on the CPU")
    return {"joules_per_call": None, "joules_per_video": None, "method": None, "unavailable": {"energy": reason}}

