"""Loading a scenario file: YAML checks, ``--set`` overrides, strict validation, prompt files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vbench.errors import Problem, ScenarioError
from vbench.errors_format import problems_from
from vbench.scenario.image_file import read_image_file
from vbench.scenario.overrides import apply_overrides
from vbench.scenario.schema import GENERATED_IMAGE, Scenario
from vbench.scenario.textfile import read_text
from vbench.scenario.yamlfile import read_yaml

MAX_PROMPTS = 10_000
MAX_PROMPT_BYTES = 16 << 20


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read, override and validate one scenario file.

    Every problem is collected and raised together as one :class:`ScenarioError` whose message
    names the file, each field, the bad value and what is allowed. The returned scenario has its
    ``name`` set (the file's stem unless given) and ``workload.prompts`` read from
    ``workload.prompt_file`` when that is used.

    Example:
        >>> load_scenario("scenarios/quickstart.yaml").model.family  # doctest: +SKIP
        'wan'
    """
    path = Path(path)
    source = source_label(path, overrides)
    document, problems = read_yaml(path)
    if problems:
        raise ScenarioError(str(path), problems)
    return validate_document(document, source=source, base_dir=path.parent, default_name=path.stem,
                             overrides=overrides)


def plan(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> tuple[Scenario, list]:
    """Load a scenario file and expand it into its runs; errors name the file."""
    from vbench.scenario.expand import expand

    scenario = load_scenario(path, overrides)
    return scenario, expand(scenario, source=source_label(path, overrides))


def source_label(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> str:
    """How messages name the input: the file, and the overrides applied to it."""
    return str(path) + (f" (with --set {' '.join(overrides)})" if overrides else "")


def validate_document(document: Any, *, source: str, base_dir: Path | None = None,
                      default_name: str = "scenario", overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Validate an already parsed document (a dict, as from YAML or written inline in Python)."""
    if isinstance(document, dict):  # --set edits a mapping; anything else is the file's error, never replaced
        document = apply_overrides(document, overrides, source=source)
    if not isinstance(document, dict):
        raise ScenarioError(source, [Problem("", "the top level must be a mapping of sections "
                                                 "(model, workload, optimizations, sweep, ...)",
                                             type(document).__name__, True)])
    document = dict(document)
    document.setdefault("name", default_name)
    model = document.get("model")
    if isinstance(model, dict) and model.get("family", "auto") in ("auto", None) and model.get("source") != "object":
        from vbench.scenario.model_files import family_from_model_index

        family, problem = family_from_model_index(model)
        if problem is not None:
            raise ScenarioError(source, [Problem("model.family", problem)])
        document["model"] = {**model, "family": family}
    workload = document.get("workload")
    if isinstance(workload, dict) and workload.get("prompt_file") is not None:
        document["workload"] = workload = _with_prompt_file(workload, source, base_dir)
    if isinstance(workload, dict) and workload.get("image") not in (None, GENERATED_IMAGE):
        document["workload"] = _with_image_file(workload, source, base_dir)
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(source, problems_from(exc, Scenario)) from None


def _with_image_file(workload: dict, source: str, base_dir: Path | None) -> dict:
    """``workload.image`` as an absolute path, with the digest of its content beside it."""
    field, ref = "workload.image", workload["image"]
    if not isinstance(ref, str):
        raise ScenarioError(source, [Problem(field, f"must be {GENERATED_IMAGE!r} or the path of an image file",
                                             ref, True)])
    if workload.get("image_sha256") is not None:
        raise ScenarioError(source, [Problem("workload.image_sha256", "is set by vbench from the image file; "
                                             "leave it out", workload["image_sha256"], True)])
    file = Path(ref).expanduser()
    file = file if file.is_absolute() or base_dir is None else base_dir / file
    digest, why = read_image_file(file)
    if why is not None:
        raise ScenarioError(source, [Problem(field, f"{file}: {why}; allowed: {GENERATED_IMAGE!r} or the path of "
                                                    "a PNG/JPEG/WebP image (relative to the scenario file)", ref, True)])
    return {**workload, "image": str(file.resolve()), "image_sha256": digest}


def _with_prompt_file(workload: dict, source: str, base_dir: Path | None) -> dict:
    field = "workload.prompt_file"
    ref = workload["prompt_file"]
    if "prompts" in workload:
        raise ScenarioError(source, [Problem(field, "give either prompts or prompt_file, not both")])
    if not isinstance(ref, str):
        raise ScenarioError(source, [Problem(field, "must be a path (a string)", ref, True)])
    file = Path(ref) if Path(ref).is_absolute() or base_dir is None else base_dir / ref
    text, why = read_text(file, MAX_PROMPT_BYTES)
    if why is not None:
        raise ScenarioError(source, [Problem(field, f"{file}: {why}", ref, True)])
    lines = text.splitlines()
    prompts = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not prompts:
        raise ScenarioError(source, [Problem(field, f"{file} holds no prompts (one per line)", ref, True)])
    if len(prompts) > MAX_PROMPTS:
        raise ScenarioError(source, [Problem(field, f"{file} holds {len(prompts)} prompts; at most "
                                                    f"{MAX_PROMPTS} are allowed", ref, True)])
    return {**workload, "prompts": prompts}
