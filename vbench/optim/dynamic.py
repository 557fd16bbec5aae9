"""``dynamic``: mixed precision chosen per module group by a sensitivity pass.

The pass lowers one group at a time (a copy of it, swapped in) to each lower level
(:mod:`vbench.optim.mixed`: ``int8``, ``bf16``), runs the denoiser on the run's seeded first-call
inputs, and measures the relative output error against fp32 (:mod:`vbench.optim.output_error`).
Starting from every group at ``int8``, the group whose move up one level buys the most error
reduction per byte is raised, until the predicted error (the root sum of squares of the groups'
errors) is within ``dynamic_error_budget`` or no raise fits under the weight bytes of uniform bf16.
The chosen policy is applied, its real error measured, and the whole of it (levels, sensitivities,
bytes, errors) lands in the record; :func:`save_policy` writes it to a file that
``dynamic_policy: FILE`` reuses instead of a new pass.
"""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path
from typing import Any

from vbench.errors import Problem, ScenarioError
from vbench.optim import mixed
from vbench.optim.tensors import is_kept, keep_in_fp32, module_bytes, nbytes

POLICY_FORMAT = 1
_UP = {"int8": "bf16", "bf16": "fp32"}


def wanted(optimizations: dict) -> bool:
    return optimizations["precision"] == "dynamic"


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    denoiser = built.denoiser
    backend = optimizations["quant_backend"]
    if backend not in ("torchao", "quanto"):
        from vbench.errors import UnsupportedError

        raise UnsupportedError(f"dynamic precision lowers built modules; quant_backend {backend} quantizes at load only")
    from vbench.optim.quantize import check_backend

    check_backend("int8-weight-only", backend, ctx.device)
    probe = ctx.probe()
    candidates = mixed.groups(denoiser)
    t0 = time.perf_counter()
    if optimizations.get("dynamic_policy"):
        chosen = load_policy(optimizations["dynamic_policy"], candidates, type(denoiser).__name__)
        result: dict[str, Any] = {"source": f"file:{optimizations['dynamic_policy']}", "levels": chosen}
    else:
        result = choose(denoiser, candidates, probe, optimizations["dynamic_error_budget"], backend)
        result["source"] = "sensitivity pass"
    result["pass_s"] = time.perf_counter() - t0
    keep = keep_in_fp32(denoiser)
    for name, level in result["levels"].items():
        mixed.lower(candidates[name], level, backend, keep)
    result["measured_error"] = probe.error_of(denoiser)
    result["budget"] = optimizations["dynamic_error_budget"]
    result["budget_met"] = result["measured_error"] <= result["budget"]
    result["denoiser_bytes"] = module_bytes(denoiser)
    result["denoiser_class"] = type(denoiser).__name__
    result["backend"] = backend
    return result


def sensitivities(denoiser: Any, candidates: dict[str, Any], probe: Any, backend: str) -> tuple[dict, dict]:
    """({group: {level: relative error with only that group lowered}}, {group: {level: bytes}})."""
    errors: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    keep = keep_in_fp32(denoiser)
    for name, module in candidates.items():
        errors[name], sizes[name] = {"fp32": 0.0}, {"fp32": module_bytes(module)}
        for level in ("int8", "bf16"):
            lowered = mixed.lower(copy.deepcopy(module), level, backend, keep)
            mixed.swap(denoiser, name, lowered)
            try:
                errors[name][level] = probe.error_of(denoiser)
            finally:
                mixed.swap(denoiser, name, module)
            sizes[name][level] = module_bytes(lowered)
            del lowered
    return errors, sizes


def choose(denoiser: Any, candidates: dict[str, Any], probe: Any, budget: float, backend: str) -> dict[str, Any]:
    errors, sizes = sensitivities(denoiser, candidates, probe, backend)
    in_groups = sum(s["fp32"] for s in sizes.values())
    rest = module_bytes(denoiser) - in_groups  # tensors outside every group stay as they are
    cap = uniform_bf16_bytes(denoiser)
    levels = {name: "int8" for name in candidates}

    def predicted() -> float:
        return math.sqrt(sum(errors[g][lv] ** 2 for g, lv in levels.items()))

    def total() -> int:
        return rest + sum(sizes[g][lv] for g, lv in levels.items())

    while predicted() > budget:
        best, best_score = None, 0.0
        for g, lv in levels.items():
            up = _UP.get(lv)
            if up is None:
                continue
            gain = errors[g][lv] ** 2 - errors[g][up] ** 2
            cost = sizes[g][up] - sizes[g][lv]
            if gain <= 0 or total() + cost > cap:
                continue
            score = gain / max(cost, 1)
            if score > best_score:
                best, best_score = g, score
        if best is None:
            break
        levels[best] = _UP[levels[best]]
    order = sorted(candidates, key=lambda g: -errors[g]["int8"])
    return {"levels": levels, "sensitivity": errors, "group_bytes": sizes, "by_sensitivity": order,
            "predicted_error": predicted(), "predicted_bytes": total(), "uniform_bf16_bytes": cap}


def uniform_bf16_bytes(denoiser: Any) -> int:
    """Bytes the denoiser would take cast to bf16 as the ``bf16`` mode casts it: floating parameters
    and persistent buffers halved, but for those in ``_keep_in_fp32_modules``."""
    keep = keep_in_fp32(denoiser)
    total = 0
    for name, p in denoiser.named_parameters():
        halve = p.is_floating_point() and p.element_size() == 4 and not is_kept(name, keep)
        total += nbytes(p) // 2 if halve else nbytes(p)
    for mod_name, mod in denoiser.named_modules():
        for local, b in mod._buffers.items():
            if b is None:
                continue
            halve = (b.is_floating_point() and b.element_size() == 4 and local not in mod._non_persistent_buffers_set
                     and not is_kept(f"{mod_name}.{local}", keep))
            total += nbytes(b) // 2 if halve else nbytes(b)
    return total


def save_policy(source: dict, path: str | Path) -> Path:
    """Write a policy file from a record, its ``applied`` mapping, or the ``dynamic`` entry itself."""
    entry = source.get("applied", source)
    entry = entry.get("dynamic", entry)
    if "levels" not in entry:
        raise ValueError("no dynamic policy in this mapping (expected a record of a precision: dynamic run)")
    doc = {"vbench_policy": POLICY_FORMAT, "denoiser_class": entry.get("denoiser_class"),
           "levels": entry["levels"], "budget": entry.get("budget"),
           "measured_error": entry.get("measured_error"), "sensitivity": entry.get("sensitivity")}
    path = Path(path)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True))
    return path


def load_policy(path: str | Path, candidates: dict[str, Any], denoiser_class: str | None = None) -> dict[str, str]:
    """The levels of a policy file, checked against this denoiser's groups (and class, when the file
    names the one it was chosen for)."""
    source = str(path)
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ScenarioError(source, [Problem("", f"cannot read the dynamic policy file ({exc})")]) from None
    levels = doc.get("levels") if isinstance(doc, dict) else None
    if not isinstance(levels, dict) or doc.get("vbench_policy") != POLICY_FORMAT:
        raise ScenarioError(source, [Problem("vbench_policy", f"not a vbench policy file of format {POLICY_FORMAT}")])
    problems = []
    chosen_for = doc.get("denoiser_class")
    if chosen_for and denoiser_class and chosen_for != denoiser_class:
        problems.append(Problem("denoiser_class", f"this run's denoiser is {denoiser_class}", chosen_for, True))
    problems += [Problem(f"levels.{g}", f"allowed: {', '.join(mixed.LEVELS)}", lv, True)
                for g, lv in levels.items() if lv not in mixed.LEVELS]
    unknown = sorted(set(levels) - set(candidates))
    missing = sorted(set(candidates) - set(levels))
    if unknown:
        problems.append(Problem("levels", f"groups not in this denoiser: {', '.join(unknown)}"))
    if missing:
        problems.append(Problem("levels", f"groups of this denoiser missing: {', '.join(missing)}"))
    if problems:
        raise ScenarioError(source, problems)
    return dict(levels)
