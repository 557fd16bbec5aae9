"""``vbench.measure_pipeline``: measure a diffusers pipeline the caller built, and return its record.

For people with their own loading code (a fine-tuned checkpoint, a custom scheduler, weights in
memory): the pipeline object goes through the same protocol as a scenario's run -- the run's
optimizations applied in their fixed order, warm-up, timed repeats until the median is known to
``measure.rel_ci``, stages, steps, memory, energy, FLOPs -- in this process (isolation ``inline``;
the object cannot be moved to a worker). The record has ``model.source: object`` and the name
given (or the pipeline's ``name_or_path``); its run_id hashes that name with the workload and
optimizations, so two calls with the same name and settings compare in ``vbench compare``.

What the optimizations change stays on the pipeline (a precision cast, offload hooks, compile),
but for a cache, which comes off again: give a fresh pipeline per configuration when that
matters. Load time is not measured (``timing.unavailable.load_s``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The prompt and seed of a workload that names none.
DEFAULT_PROMPT, DEFAULT_SEED = "a red fox running through fresh snow", 0


def measure_pipeline(pipe: Any, workload: Mapping[str, Any] | None = None,
                     optimizations: Mapping[str, Any] | None = None, measure: Mapping[str, Any] | None = None,
                     *, name: str | None = None, limits: Mapping[str, Any] | None = None,
                     out: str | None = None, scenario: str = "python-api") -> dict[str, Any]:
    """Measure ``pipe`` (a diffusers video pipeline) and return the record.

    A pipeline of a family vbench knows is called as a scenario's run of that family is; any other
    is ``generic``: called with the workload fields its ``__call__`` takes, its stages timed where it
    has them (the record's ``generic`` section says what was taken and wrapped).

    Args:
        pipe: e.g. a ``WanPipeline`` (or a ``SkyReelsV2Pipeline``, timed generically) built or loaded
            by the caller, already on its device.
        workload: the scenario ``workload`` fields of one run: ``prompt``, ``seed``, ``num_frames``,
            ``height``, ``width``, ``num_inference_steps``, ``guidance_scale``, ``negative_prompt``,
            ``num_videos_per_prompt`` (defaults as in a scenario).
        optimizations: the scenario ``optimizations`` fields (``{"cache": "first-block"}``).
        measure: the scenario ``measure`` fields; ``isolation`` can only be ``inline``.
        name: what the record calls the model (default: the pipeline's ``name_or_path``).
        limits: the scenario ``limits`` (a memory budget and quality floors give a verdict).
        out: a results folder: the record is also written there, under ``<scenario>/``.
        scenario: the record's scenario name.

    Returns:
        The run record (:class:`vbench.record.RunRecord`); a run that fails is a record with its
        status and reason, as in a sweep.

    Raises:
        ScenarioError: a setting is invalid (the message names the field and what is allowed).
        UnsupportedError: ``pipe`` is no diffusers pipeline, has no transformer or unet, or its
            ``__call__`` takes no ``num_inference_steps`` or ``generator`` (or no image the workload gives).
    """
    from vbench.errors import Problem, ScenarioError
    from vbench.harness.execute import execute_run
    from vbench.models.build import wrap_pipeline
    from vbench.scenario import expand, validate_document
    from vbench.store import RecordWriter, new_session_name, session_path

    source = "measure_pipeline"
    workload = dict(workload or {})
    measure = dict(measure or {})
    if measure.setdefault("isolation", "inline") != "inline":
        raise ScenarioError(source, [Problem("measure.isolation", "a pipeline object is measured in this process; "
                                                                  "allowed: inline", measure["isolation"], True)])
    built = wrap_pipeline(pipe, name=name)
    if built.family == "generic":  # another pipeline: it must take the steps and a generator (and an image if given)
        from vbench.models.generic import check_callable

        check_callable(pipe, image=bool(workload.get("image")))
    label = name or built.info.get("name") or type(pipe).__name__
    document = {
        "name": scenario,
        "model": {"family": built.family, "source": "object", "name": str(label)},
        "workload": {"prompts": [workload.pop("prompt", DEFAULT_PROMPT)],
                     "seeds": [workload.pop("seed", DEFAULT_SEED)], **workload},
        "optimizations": dict(optimizations or {}),
        "measure": measure,
        "limits": dict(limits or {}),
        "reference": {"enabled": False},
        "metrics": [],
    }
    (run,) = expand(validate_document(document, source=source), source=source)
    spec = run.to_dict()
    spec["label"] = spec.get("label") or run.label()
    session = new_session_name()
    record = execute_run(spec, session=session, prebuilt=built)
    if out is not None:
        with RecordWriter(session_path(out, scenario, session)) as writer:
            writer.write(record)
    return record
