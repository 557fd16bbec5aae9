"""Expanding a scenario's sweep into RunSpecs: product axes x zip groups, minus exclude rules,
each configuration crossed with every prompt and seed, plus the reference runs they need."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from vbench.errors import Problem, ScenarioError
from vbench.errors_format import problems_from
from vbench.scenario.axes import SWEEPABLE, resolve_axis
from vbench.scenario.families import (
    ARCH_MODELS,
    ARCH_SPATIAL_MULTIPLE,
    FAMILIES,
    I2V_NOT_RUN,
    TINY_NAMES,
    arch_tasks,
    family_rules,
)
from vbench.scenario.ids import config_identity, run_identity
from vbench.scenario.runspec import RunSpec
from vbench.scenario.schema import (
    GENERATED_IMAGE,
    ModelSpec,
    Optimizations,
    RunWorkload,
    Scenario,
    WorkloadSettings,
)

MAX_RUNS = 100_000

Assignment = dict[str, Any]  # canonical axis path -> value


def expand(scenario: Scenario, source: str | None = None) -> list[RunSpec]:
    """Every run of a scenario, in a deterministic order, references first where they are extra.

    Raises:
        ScenarioError: naming the sweep field at fault (unknown axis, unequal zip group, exclude
            rule that matches nothing, a frame count the family rejects, ...).
    """
    source = source or f"scenario {scenario.name!r}"
    axes, problems = _axes(scenario)
    if problems:
        raise ScenarioError(source, problems)
    combos = _combinations(axes)
    combos, problems = _apply_excludes(scenario, combos)
    if problems:
        raise ScenarioError(source, problems)
    configs, problems = _resolve(scenario, combos, axes)
    if problems:
        raise ScenarioError(source, problems)
    if not configs:
        raise ScenarioError(source, [Problem("sweep.exclude", "the exclude rules remove every combination; "
                                                              "nothing is left to run")])
    n_runs = len(configs) * len(scenario.workload.prompts) * len(scenario.workload.seeds)
    if n_runs > MAX_RUNS:
        raise ScenarioError(source, [Problem("sweep", f"expands to {n_runs} runs; at most {MAX_RUNS} are allowed")])
    return _runs(scenario, configs, source)


# -- axes ---------------------------------------------------------------------------------------

def _axes(scenario: Scenario) -> tuple[list[list[Assignment]], list[Problem]]:
    """Each independent factor of the product as its list of assignments."""
    problems: list[Problem] = []
    factors: list[list[Assignment]] = []
    seen: dict[str, str] = {}

    def axis(name: str, values: list[Any], where: str, unique: bool = True) -> str | None:
        path, probs = resolve_axis(name, where)
        problems.extend(probs)
        if path is None:
            return None
        if path in seen:
            problems.append(Problem(where, f"axis {path} is already swept at {seen[path]}"))
            return None
        seen[path] = where
        if not values:
            problems.append(Problem(where, "an axis needs at least one value"))
        problems.extend(_check_values(scenario, path, values, where, unique))
        return path

    for name, values in scenario.sweep.product.items():
        path = axis(name, values, f"sweep.product.{name}")
        if path:
            factors.append([{path: v} for v in values])
    for i, group in enumerate(scenario.sweep.zip):
        where = f"sweep.zip[{i}]"
        if not group:
            problems.append(Problem(where, "a zip group needs at least one axis"))
            continue
        lengths = {name: len(values) for name, values in group.items()}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k}: {n}" for k, n in lengths.items())
            problems.append(Problem(where, f"zip group axes must have equal lengths; got {shown}"))
            continue
        # a zip column may repeat a value (its rows must differ)
        paths = [axis(name, values, f"{where}.{name}", unique=False) for name, values in group.items()]
        if None not in paths:
            rows = list(zip(*group.values(), strict=True))
            for j, row in enumerate(rows):
                if row in rows[:j]:
                    problems.append(Problem(f"{where}[{j}]", "this row repeats an earlier one", list(row), True))
            factors.append([dict(zip(paths, row, strict=True)) for row in rows])
    return factors, problems


def _check_values(scenario: Scenario, path: str, values: list[Any], where: str, unique: bool) -> list[Problem]:
    problems = []
    for i, value in enumerate(values):
        if unique and any(value == v and type(value) is type(v) for v in values[:i]):
            problems.append(Problem(f"{where}[{i}]", "value repeats an earlier one", value, True))
            continue
        # the value alone; cross-field rules are checked per combination (nf4 may be zipped with its backend)
        _, probs = _section(scenario, {path: value}, path.split(".")[0], fields_only=True)
        problems.extend(Problem(f"{where}[{i}]", p.message, value, True) for p in probs)
    return problems


def _combinations(factors: list[list[Assignment]]) -> list[Assignment]:
    return [dict(kv for part in combo for kv in part.items()) for combo in itertools.product(*factors)]


# -- exclude rules --------------------------------------------------------------------------------

def _apply_excludes(scenario: Scenario, combos: list[Assignment]) -> tuple[list[Assignment], list[Problem]]:
    problems: list[Problem] = []
    rules: list[tuple[int, dict[str, list[Any]]]] = []
    for i, rule in enumerate(scenario.sweep.exclude):
        where = f"sweep.exclude[{i}]"
        if not rule:
            problems.append(Problem(where, "an exclude rule needs at least one axis: value"))
            continue
        resolved = {}
        for name, value in rule.items():
            path, probs = resolve_axis(name, f"{where}.{name}")
            problems.extend(probs)
            if path:
                resolved[path] = value if isinstance(value, list) else [value]
        rules.append((i, resolved))
    if problems:
        return combos, problems
    kept, hits = [], dict.fromkeys((i for i, _ in rules), 0)
    for combo in combos:
        values = _full_values(scenario, combo)
        matched = [i for i, rule in rules if all(values.get(p) in vs for p, vs in rule.items())]
        for i in matched:
            hits[i] += 1
        if not matched:
            kept.append(combo)
    for i, count in hits.items():
        if count == 0:
            problems.append(Problem(f"sweep.exclude[{i}]", "matches no run of the sweep; check the axis "
                                                           "names and values", scenario.sweep.exclude[i], True))
    return kept, problems


def _full_values(scenario: Scenario, combo: Assignment) -> dict[str, Any]:
    base = {"model": scenario.model.model_dump(), "workload": scenario.workload.settings(),
            "optimizations": scenario.optimizations.model_dump()}
    values = {f"{s}.{k}": v for s, fields in base.items() for k, v in fields.items()}
    values.update(combo)
    return values


# -- resolution -------------------------------------------------------------------------------------

def _section(scenario: Scenario, combo: Assignment, section: str,
             fields_only: bool = False) -> tuple[BaseModel | None, list[Problem]]:
    model: type[BaseModel] = SWEEPABLE[section]
    base = {"model": scenario.model.model_dump(), "workload": scenario.workload.settings(),
            "optimizations": scenario.optimizations.model_dump()}[section]
    data = {**base, **{p.split(".", 1)[1]: v for p, v in combo.items() if p.startswith(section + ".")}}
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from(exc, model, section, fields_only)


def _resolve(scenario: Scenario, combos: list[Assignment], axes) -> tuple[list[tuple], list[Problem]]:
    problems: list[Problem] = []
    configs = []
    for combo in combos:
        parts, probs = {}, []
        for section in SWEEPABLE:
            parts[section], p = _section(scenario, combo, section)
            probs.extend(p)
        if probs:
            where = ", ".join(f"{k}={v!r}" for k, v in combo.items())
            problems.extend(Problem(p.field, f"{p.message} [in the sweep combination {where}]") for p in probs)
            continue
        problems.extend(_family_rules(parts["model"], parts["workload"], combo))
        configs.append((combo, parts["model"], parts["workload"], parts["optimizations"]))
    unique = {(p.field, p.message): p for p in problems}
    return configs, list(unique.values())


def _family_rules(model: ModelSpec, workload: WorkloadSettings, combo: Assignment) -> list[Problem]:
    family = family_rules(model.family)
    rule, multiple = family.frame_rule(model.source), family.spatial(model.source)
    if model.source in ("arch", "tiny"):  # a published architecture or its tiny stand-in
        multiple = ARCH_SPATIAL_MULTIPLE.get(model.name or "", multiple)

    def origin(field: str) -> str:
        path = f"workload.{field}"
        return f"sweep axis {path}" if path in combo else path

    problems = []
    if workload.num_frames < family.min_frames:
        problems.append(Problem(origin("num_frames"), f"{workload.num_frames} frames is too few for family "
                                f"{model.family!r}; allowed: at least {family.min_frames}"))
    elif not rule.allows(workload.num_frames):
        problems.append(Problem(origin("num_frames"), f"{workload.num_frames} frames is not allowed for family "
                                f"{model.family!r} ({model.source}); allowed: {rule.describe()}"))
    if workload.num_inference_steps < family.min_steps:
        problems.append(Problem(origin("num_inference_steps"), f"{workload.num_inference_steps} steps is too few "
                                f"for family {model.family!r}; allowed: at least {family.min_steps}"))
    problems.extend(_image_rules(model, workload))
    for field in ("height", "width"):
        value = getattr(workload, field)
        if value % multiple:
            which = f"{model.name} ({model.source})" if model.name in ARCH_SPATIAL_MULTIPLE else \
                f"family {model.family!r} ({model.source})"
            problems.append(Problem(origin(field), f"{value} is not allowed for {which}; allowed: multiples of "
                                    f"{multiple}"))
    return problems


def _image_rules(model: ModelSpec, workload: WorkloadSettings) -> list[Problem]:
    """An image needs a family (and an ``arch`` architecture) that generates from one; an
    image-to-video architecture needs an image."""
    family = family_rules(model.family)
    if workload.image is not None and family.i2v_pipeline is None:
        with_image = ", ".join(k for k, f in FAMILIES.items() if f.i2v_pipeline)
        why = I2V_NOT_RUN.get(model.family, "has no image-to-video pipeline in diffusers")
        return [Problem("workload.image", f"family {model.family!r} {why}; "
                                          f"allowed: no image, or a family that takes one ({with_image})")]
    if model.source != "arch" and not (model.source == "tiny" and model.name):
        return []
    tasks = arch_tasks(model.name)
    if workload.image is not None and "i2v" not in tasks:
        named = TINY_NAMES if model.source == "tiny" else ARCH_MODELS
        takes = ", ".join(n for n, fam in named.items() if fam == model.family and "i2v" in arch_tasks(n))
        if model.source == "tiny":
            takes = f"{takes}; or no name: the family's tiny image-to-video model" if takes else "no name"
        return [Problem("workload.image", f"{model.name} generates from text only; allowed: no image, or an "
                                          f"image-to-video architecture of {model.family} ({takes or 'none'})")]
    if workload.image is None and "t2v" not in tasks:
        return [Problem("workload.image", f"{model.name} is an image-to-video model: give workload.image "
                                          f"('{GENERATED_IMAGE}' or the path of an image file)")]
    return []


# -- runs -------------------------------------------------------------------------------------------

def _runs(scenario: Scenario, configs: list[tuple], source: str) -> list[RunSpec]:
    runs: list[RunSpec] = []
    references: dict[str, RunSpec] = {}
    for combo, model, settings, optim in configs:
        for prompt, seed in itertools.product(scenario.workload.prompts, scenario.workload.seeds):
            workload = RunWorkload.model_validate({**settings.model_dump(), "prompt": prompt, "seed": seed})
            ref = _reference(scenario, model, workload, source) if scenario.reference.enabled else None
            run = _spec(scenario, model, workload, optim, combo, "run", None)
            if ref is not None and ref.run_id != run.run_id:
                references.setdefault(ref.run_id, ref)
                run = run.model_copy(update={"reference_id": ref.run_id})
            elif ref is not None:  # this configuration is the reference: marked, and scored against itself
                run = run.model_copy(update={"role": "reference"})
            runs.append(run)
    have = {r.run_id for r in runs}
    extra = [r for rid, r in references.items() if rid not in have]
    return extra + runs


def _reference(scenario: Scenario, model: ModelSpec, workload: RunWorkload, source: str) -> RunSpec:
    ref = scenario.reference
    for section, model_cls, data in (("optimizations", Optimizations, ref.optimizations),
                                     ("workload", RunWorkload, {**workload.model_dump(), **ref.workload})):
        try:
            built = model_cls.model_validate(data)
        except ValidationError as exc:  # each section named for itself
            raise ScenarioError(source, problems_from(exc, model_cls, f"reference.{section}")) from None
        if section == "optimizations":
            optim = built
        else:
            wl = built
    for key in ("prompt", "seed", "image", "image_sha256"):
        if key in ref.workload:
            raise ScenarioError(source, [Problem(f"reference.workload.{key}",
                                                 "the reference always uses the run's own prompt, seed and image")])
    probs = _family_rules(model, wl, {})
    if probs:
        raise ScenarioError(source, [Problem("reference.workload", p.message) for p in probs])
    return _spec(scenario, model, wl, optim, {}, "reference", None)


def _spec(scenario: Scenario, model: ModelSpec, workload: RunWorkload, optim: Optimizations,
          combo: Assignment, role: str, reference_id: str | None) -> RunSpec:
    # Fields left at their schema default are left out of the ids, so a field added to the schema
    # later (with a default) keeps every stored run_id valid.
    m, w, o = (x.model_dump(mode="json", exclude_defaults=True) for x in (model, workload, optim))
    return RunSpec(scenario=scenario.name or "scenario", run_id=run_identity(m, w, o),
                   config_id=config_identity(m, w, o), reference_id=reference_id, role=role,
                   model=model, workload=workload, optimizations=optim, measure=scenario.measure,
                   limits=scenario.limits, metrics=list(scenario.metrics), axes=dict(combo))


def iter_labels(runs: list[RunSpec]) -> Iterator[str]:
    """Readable, unique labels for a list of runs (suffixing prompt/seed indices when needed)."""
    counts: dict[str, int] = {}
    for run in runs:
        base = run.label()
        counts[base] = counts.get(base, 0) + 1
        yield base if counts[base] == 1 else f"{base}-{counts[base]}"


def with_workload(run: RunSpec, **changes: Any) -> RunSpec:
    """``run`` with workload fields changed (``num_frames=33``), its ids recomputed, as a run of its
    own (no reference): what ``vbench run --find-max`` probes."""
    workload = RunWorkload.model_validate({**run.workload.model_dump(), **changes})
    m, w, o = (x.model_dump(mode="json", exclude_defaults=True) for x in (run.model, workload, run.optimizations))
    axes = {**run.axes, **{f"workload.{k}": v for k, v in changes.items()}}
    return run.model_copy(update={"workload": workload, "run_id": run_identity(m, w, o),
                                  "config_id": config_identity(m, w, o), "reference_id": None, "role": "run",
                                  "axes": axes})
