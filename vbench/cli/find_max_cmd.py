"""``vbench run SCENARIO --find-max num_frames --budget-gb GIB``: the largest frame count that fits,
predicted by the memory model of the scenario's stored runs, then found with real runs."""

from __future__ import annotations

import json
from pathlib import Path

from vbench.units import format_bytes


def find_max(args, plans, console, out: Path) -> int:
    from vbench.harness import run_sweep
    from vbench.plan.find_max import find_max_frames
    from vbench.plan.geometry import TEMPORAL
    from vbench.plan.memory_model import fit_group
    from vbench.plan.planner import margin_of, max_frames
    from vbench.plan.points import config_key, group_records
    from vbench.results import records as read_results
    from vbench.scenario.expand import with_workload
    from vbench.store import new_session_name, read_all, session_path
    from vbench.units import budget_bytes

    budget = float(budget_bytes(args.budget_gb))
    session = args.session or new_session_name()
    summaries = []
    for path, scenario, runs in plans:
        folder = out / scenario.name
        stored = read_results([folder]) if folder.exists() else []
        groups = [g for g in group_records(stored) if g.points]
        templates: dict[str, object] = {}
        for run in runs:  # one template per configuration (sizes but num_frames, the first prompt and seed)
            if run.role == "reference" and not run.axes and any(r.axes for r in runs):
                continue  # the sweep's quality reference, not one of its configurations
            key = config_key({"spec": run.to_dict()}, device=False) + f"{run.workload.height}x{run.workload.width}" \
                f"b{run.workload.num_videos_per_prompt}"
            templates.setdefault(key, run)
        for template in templates.values():
            spec = template.to_dict()
            matches = sorted((g for g in groups if g.config == config_key({"spec": spec}, device=False)),
                             key=lambda g: len(g.points), reverse=True)
            w = template.workload
            predicted, model_note, step = None, "no stored runs of this configuration to fit", TEMPORAL.get(
                template.model.family, 1)
            if matches:
                model = fit_group(matches[0])
                step = model.geometry.frame_step
                usable = budget - margin_of(model).bytes
                answer = max_frames(model, usable, height=w.height, width=w.width, batch=w.num_videos_per_prompt)
                predicted = answer.value
                err = model.peak_loo.max_abs_bytes
                model_note = (f"memory model of {len(model.group.points)} stored runs on {model.group.device}, "
                              f"leave-one-out error up to {format_bytes(err)}" if err is not None else
                              f"memory model of {len(model.group.points)} stored runs (too few for a leave-one-out error)")
            console.print(f"[bold]{template.label()}[/] at {w.height}x{w.width}: budget {format_bytes(budget)}; "
                          f"predicted largest num_frames: {predicted if predicted is not None else '—'} "
                          f"({model_note})", highlight=False)

            def run_frames(frames: int, template=template, folder=folder) -> dict:
                probe = with_workload(template, num_frames=frames)
                probe = probe.model_copy(update={"limits": probe.limits.model_copy(
                    update={"memory_budget_gb": args.budget_gb})})  # its record's verdict is against the budget
                result = run_sweep([probe], out_dir=out, session=session, resume=args.resume, console=console)
                if result.records:
                    return result.records[-1]
                return next(r for r in read_all([folder]).records if r["run_id"] == probe.run_id
                            and r["status"] == "ok")  # --resume: stored already

            found = find_max_frames(run_frames, budget_bytes=budget, frame_step=step, predicted=predicted,
                                    start=w.num_frames)
            summary = {"scenario": scenario.name, "source": path, "configuration": template.label(),
                       "height": w.height, "width": w.width, "num_videos_per_prompt": w.num_videos_per_prompt,
                       "model": model_note, **found.to_dict()}
            summaries.append(summary)
            off = found.steps_off
            console.print(f"found: {found.found if found.found is not None else '—'} frames ({found.why}); "
                          f"predicted {predicted if predicted is not None else '—'}"
                          + (f", {off:+g} frame step(s) of {step} off" if off is not None else ""), highlight=False)
        target = session_path(out, scenario.name, session).with_suffix(".find-max.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps([s for s in summaries if s["scenario"] == scenario.name], indent=2) + "\n")
        console.print(f"predicted vs found → {target}", highlight=False)
    return 0 if all(s["decided"] for s in summaries) else 1
