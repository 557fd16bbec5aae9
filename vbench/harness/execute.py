"""One run, in this process: build, optimize, warm up, timed repeats, FLOPs, outputs -> a record.

The protocol is DESIGN.md's: warm up with the exact call of the timed repeats; repeat until both
``measure.repeats`` and ``measure.min_seconds`` are met (at most ``measure.max_repeats``); keep
every sample; report the model load, the first (cold) call and the steady state separately. Any
exception becomes a record with its status and reason (:mod:`vbench.harness.failures`).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import time
from typing import Any

from vbench.env import pick_device
from vbench.harness import aggregate, progress
from vbench.harness.failures import classify, format_traceback
from vbench.harness.instrument import ExpertLog, ForwardProbe, scheduler_steps, stage_wrappers, step_marker
from vbench.harness.records import failure, header, now
from vbench.harness.video_frames import to_uint8
from vbench.store import video_hash
from vbench.verdicts import judge


def execute_run(spec: dict, *, session: str | None = None, outputs_dir: str | None = None,
                isolation: dict | None = None, hook: str | None = None, loop: Any = None,
                before_timing: Any = None, keep_frozen: bool = False,
                leftovers: dict | None = None, prebuilt: Any = None) -> dict[str, Any]:
    """Measure one run described by a RunSpec dict; never raises (but for KeyboardInterrupt).

    ``loop(runner, measure, on_warm) -> (cold_call, warmup_seconds, timed_calls)`` replaces
    :func:`repeat_loop` (the pytest plugin lets pytest-benchmark drive the timed calls).
    ``before_timing()`` is called before the first clock starts (the timed load of the pipeline,
    then its calls): a worker waits there until its parent is quiet (:mod:`vbench.scoring.overlap`).
    ``keep_frozen`` (workers): what is frozen out of the collector stays frozen after the run; the
    worker calls :func:`settle_frozen` with ``leftovers`` (filled here: weak references to the
    pipeline's modules, the device's allocated bytes before the run) once the record has left it.
    Otherwise, and always in a process that is not a worker, everything is unfrozen and collected.
    ``prebuilt``: a :class:`~vbench.models.BuiltPipeline` the caller made (``vbench.measure_pipeline``)
    instead of building ``spec["model"]``; its load is not timed (``timing.unavailable.load_s``).
    """
    started = now()
    partial: dict[str, Any] = {}
    try:
        if hook:
            _call_hook(hook, spec)
        record = _measure(spec, partial, outputs_dir, loop, before_timing,
                          leftovers if leftovers is not None else {}, prebuilt)
    except Exception as exc:  # noqa: BLE001 -- every failure becomes a record
        status, reason = classify(exc)
        record = failure(spec, status, reason, traceback=format_traceback(exc), **partial)
    finally:
        _release(keep_frozen)
    record.update(session=session, started_at=started, finished_at=now(), isolation=isolation or {"mode": "inline"})
    record["verdict"] = judge(record)  # judged again once quality is scored
    return record


def _match_hardware(env: dict) -> None:
    """``env.gpu.profile``: the hardware profile the run's GPU matched (what plans and projections use
    for it), or None with the reason under ``env.unavailable.hardware_profile``."""
    from vbench.hardware import match_profile, profiles_version

    gpu = env.get("gpu")
    if not gpu:
        return
    profile = match_profile(gpu.get("name"))
    gpu["profile"] = {**profile.summary(), "profiles_version": profiles_version()} if profile else None
    if profile is None:
        env.setdefault("unavailable", {})["hardware_profile"] = (
            f"no hardware profile matches {gpu.get('name')!r} (vbench hardware lists them)")


def _call_hook(hook: str, spec: dict) -> None:
    """``module:function`` called with the spec before anything is built (tests, custom setup)."""
    module, _, func = hook.partition(":")
    getattr(importlib.import_module(module), func)(spec)


def _measure(spec: dict, partial: dict, outputs_dir: str | None, loop: Any = None,
             before_timing: Any = None, leftovers: dict | None = None, prebuilt: Any = None) -> dict[str, Any]:
    progress.load()  # imports, the machine's fingerprint, building the pipeline
    import torch

    from vbench.env import fingerprint
    from vbench.measure.device import resolve, synchronize
    from vbench.measure.flops import flops_section
    from vbench.models import build_pipeline
    from vbench.models.latents import latent_info
    from vbench.optim import apply_optimizations, build_options
    from vbench.optim.compiling import CompileWatch

    measure, workload = spec["measure"], spec["workload"]
    device = pick_device(measure["device"])
    partial["device"] = str(device)
    partial["env"] = fingerprint()
    _match_hardware(partial["env"])
    if leftovers is not None:
        leftovers["device"], leftovers["allocated_before"] = device, _allocated(device)
    if before_timing is not None:  # from here on clocks run: the load is timed too
        before_timing()
    with torch.inference_mode(False), torch.no_grad():
        if prebuilt is None:
            t0 = time.perf_counter()
            built = build_pipeline(spec["model"], device=str(device), image=bool(workload.get("image")),
                                   **build_options(spec, device))
            synchronize(resolve(device))
            partial["timing"] = {"load_s": time.perf_counter() - t0}
        else:
            built, partial["timing"] = prebuilt, {"load_s": None}
        applied = apply_optimizations(built, spec["optimizations"], device, workload=workload)
        partial["applied"] = applied
        weights = weight_bytes(built)
        if leftovers is not None:
            leftovers["modules"] = _module_refs(built)
        # The pipeline and everything imported are long-lived: collected once, then frozen into the
        # permanent generation, so the full collection before each measured call scans only what
        # later calls created (about 0.26 s per call with torch + diffusers loaded, before; the
        # guarantee -- no earlier garbage freed inside a measured call -- is the same).
        gc.collect()
        gc.freeze()
        runner = CallRunner(built, workload, device, measure["sample_interval_ms"])
        watch = CompileWatch().start() if "compile" in applied else None
        cold, warm_s, calls = (loop or repeat_loop)(runner, measure,
                                                    watch.mark_warm if watch is not None else (lambda: None))
        if watch is not None:  # compile time apart from steady state; recompiles in timed calls flagged
            applied["compile"].update(watch.stop())
        for extra in built.call_trackers:  # what an optimization counted during the calls
            applied[extra.name]["counts"] = extra.summary()
            extra.remove()
        flops = (runner.flops(calls) if measure["flops"]
                 else flops_section({"unavailable": {"flops": "measure.flops is off"}}))
    video = runner.last_video
    record = header(spec)
    record.update(
        status="ok", reason=None, device=str(device), env=partial["env"], applied=applied,
        embeddings=built.embeddings, model_info=_jsonable(built.info),
        timing=aggregate.timing(calls, load_s=partial["timing"]["load_s"], first_call_s=cold["timing"].e2e_s,
                                warmup_s=warm_s if measure["warmup"] else [], cold_included=not measure["warmup"],
                                frames=workload["num_frames"] * workload["num_videos_per_prompt"]),
        memory=aggregate.memory(calls, weights),
        energy=aggregate.energy(calls, workload["num_videos_per_prompt"]),
        flops=flops,
        outputs=_outputs(video, [c["video_hash"] for c in ([cold] if cold is not calls[0] else []) + calls],
                         outputs_dir),
    )
    if runner.stopped is not None:
        record["timing"]["precision"] = runner.stopped
    if prebuilt is not None:
        record["timing"]["unavailable"]["load_s"] = "the pipeline was built by the caller (vbench.measure_pipeline)"
    if runner.experts is not None:
        record["experts"] = runner.experts
    if runner.last_audio is not None:
        record["outputs"]["audio"] = runner.last_audio
    if built.image_info is not None:
        record["image"] = built.image_info
    if built.generic is not None:
        record["generic"] = built.generic
    if runner.latent_shape is not None:
        record["latent"] = latent_info(spec["model"]["family"], runner.latent_shape, record["model_info"].get("config") or {})
    if video.shape[1] != workload["num_frames"]:
        record["outputs"]["frames_mismatch"] = (f"asked for {workload['num_frames']} frames, the pipeline "
                                                f"returned {video.shape[1]}")
    if prebuilt is None:
        _drop_hook_registries(built)
    elif "cache" in applied:  # the caller keeps its pipeline: the cache comes off it again
        built.denoiser.disable_cache()
    del built, runner
    return record


def repeat_loop(runner: CallRunner, measure: dict, on_warm) -> tuple[dict, list[float], list[dict]]:
    """The measuring loop: ``warmup`` calls (the first is the cold one), then timed calls until
    ``repeats`` and ``min_seconds`` are reached and the median is precise to ``rel_ci``, at most
    ``max_repeats`` calls or ``max_seconds`` of timed calls. With no warmup the cold call is the
    first timed one. Why it stopped is ``runner.stopped`` (:func:`enough`)."""
    progress.warm_up(measure)
    cold = runner.call()
    warm_s = [cold["timing"].e2e_s]
    for _ in range(max(measure["warmup"] - 1, 0)):
        warm_s.append(runner.call()["timing"].e2e_s)
    on_warm()
    calls = [] if measure["warmup"] else [cold]
    while (stop := enough([c["timing"].e2e_s for c in calls], measure)) is None:
        progress.measuring(calls, measure)
        calls.append(runner.call())
    runner.stopped = stop
    return cold, warm_s, calls


def enough(samples: list[float], measure: dict) -> dict | None:
    """None while more timed calls are needed; else why the loop stops, with the precision
    reached (``timing.precision`` of the record). Checked between calls, outside every clock.

    ``repeats`` is a floor no cap cuts short (a 5-minute call still gets its 5 samples: fewer
    make the bootstrap interval a min–max range that covers the median far less than 95 % of the
    time). ``min_seconds`` holds up to ``max_repeats`` calls; the caps (``max_repeats``,
    ``max_seconds``) only end the extension that ``rel_ci`` asks for beyond both minimums."""
    from vbench.stats import relative_half_width

    n, total, target = len(samples), sum(samples), measure.get("rel_ci")
    max_seconds = measure.get("max_seconds", float("inf"))
    if n < measure["repeats"]:
        return None
    short_of_time = total < measure["min_seconds"]
    if short_of_time and n < measure["max_repeats"]:
        return None
    precision = relative_half_width(samples)
    precise = target is None or (precision is not None and precision <= target)
    goal = f"±{target:.1%}" if target is not None else "repeats"
    if short_of_time:  # max_repeats came first
        reached, why = False, (f"max_repeats ({measure['max_repeats']}) reached before min_seconds "
                               f"({measure['min_seconds']:g} s)")
    elif precise:
        reached = True
        why = "repeats and min_seconds met" + ("" if target is None else f", median within {goal}")
    elif n >= measure["max_repeats"]:
        reached, why = False, f"max_repeats ({measure['max_repeats']}) reached before {goal}"
    elif total >= max_seconds:
        reached, why = False, f"max_seconds ({max_seconds:g} s) reached before {goal}"
    else:
        return None
    return {"target_rel_ci": target, "rel_ci": precision, "n": n, "reached": reached, "stopped": why}


class CallRunner:
    """Runs the pipeline call of a workload with every tracker around it."""

    def __init__(self, built: Any, workload: dict, device: Any, interval_ms: float):
        self.built, self.workload, self.device, self.interval_ms = built, workload, device, interval_ms
        self.step_marker = step_marker(built.pipe)  #: "callback_on_step_end" | "scheduler.step" | None
        # the family's stages, plus the shared steps around the denoising loop where the pipeline has them
        self.stage_methods = {"prepare_latents": (built.pipe, "prepare_latents"), **built.stage_methods,
                              "postprocess": (getattr(built.pipe, "video_processor", None), "postprocess_video")}
        self.probe_inputs: tuple | None = None
        self.latent_shape: list[int] | None = None  #: the first denoiser forward's latent
        self.forwards_per_call: int | None = None
        self.last_video = None
        self.last_audio: dict | None = None  #: the sound of the last call, where the pipeline makes one
        self.stopped: dict | None = None  #: why the measuring loop stopped (:func:`enough`)
        self.experts: dict | None = None  #: a two-expert pipeline: which expert ran when (last call)

    def call(self, collect: bool = True) -> dict[str, Any]:
        """One measured call; ``collect=False``: the caller ran ``gc.collect()`` just before."""
        from vbench.measure.call import CallTracker

        kwargs = self.built.call_kwargs(self.workload, device=self.device)
        tracker = CallTracker(self.device, interval_ms=self.interval_ms)
        steps = contextlib.nullcontext()
        if self.step_marker == "callback_on_step_end":
            kwargs["callback_on_step_end"] = tracker.step_callback
        elif self.step_marker == "scheduler.step":
            steps = scheduler_steps(self.built.pipe.scheduler, tracker)
        second = getattr(self.built.pipe, "transformer_2", None)
        experts = ExpertLog(self.built.denoiser, second) if second is not None else contextlib.nullcontext()
        with stage_wrappers(self.stage_methods, [tracker]), ForwardProbe(self.built.denoiser) as probe, \
                experts as log, steps:
            for extra in self.built.call_trackers:
                extra.begin_call()
            tracker.start(collect=collect)
            out = self.built.pipe(**kwargs)
            result = tracker.stop()
            for extra in self.built.call_trackers:
                extra.end_call()
        if self.probe_inputs is None:
            self.probe_inputs = probe.first
            self.latent_shape = probe.latent_shape()
        self.forwards_per_call = probe.count
        if log is not None:  # both experts have the same architecture: FLOPs per forward are the same
            self.forwards_per_call = len(log.order)
            self.experts = log.summary(int(self.workload["num_inference_steps"]),
                                       getattr(self.built.pipe.config, "boundary_ratio", None))
        # only the newest video is kept (a 480x832x81 float video is ~400 MB); each call keeps its hash
        self.last_video = to_uint8(_frames(out, self.built.pipe))
        audio = getattr(out, "audio", None)
        if audio is not None:
            self.last_audio = audio_output(audio, getattr(getattr(self.built.pipe, "vocoder", None), "config", None))
        return {"timing": result.timing, "memory": result.memory, "energy": result.energy,
                "video_hash": video_hash(self.last_video),
                "steps_tracked": self.step_marker is not None, "steps_marked_by": self.step_marker}

    def flops(self, calls: list[dict]) -> dict[str, Any]:
        """The record's ``flops`` section: FLOPs of one denoiser forward on the exact inputs of the
        first call (counted untimed), rated against the denoising time of the timed ``calls``."""
        from vbench.measure.flops import count_flops, flops_section

        if self.probe_inputs is None:
            return flops_section({"unavailable": {"flops": "the denoiser was never called"}})
        args, kwargs = self.probe_inputs
        denoiser = self.built.denoiser
        counted = count_flops(denoiser, *args, **kwargs).to_dict()
        counted["forwards_per_call"] = self.forwards_per_call
        denoise_s = [sum(c["timing"].steps) for c in calls if c["steps_tracked"]]
        return flops_section(counted, denoise_s, torch_device_name(self.device), next(denoiser.parameters()).dtype)


def _frames(out: Any, pipe: Any) -> Any:
    """The video a pipeline call returned: its output's ``frames`` (or the first item of a tuple)."""
    if hasattr(out, "frames"):
        return out.frames
    if isinstance(out, (tuple, list)) and out:
        return out[0]
    from vbench.errors import UnsupportedError

    raise UnsupportedError(f"{type(pipe).__name__} returned a {type(out).__name__} with no frames: vbench measures "
                           "pipelines that make video")


def torch_device_name(device) -> str | None:
    import torch

    return torch.cuda.get_device_name(device) if getattr(device, "type", "") == "cuda" else None


def weight_bytes(built: Any) -> dict[str, Any]:
    """Bytes of parameters and buffers per component, measured on the tensors themselves (packed
    storage for quantized tensor subclasses)."""
    from vbench.optim.tensors import module_bytes, pipeline_modules

    out: dict[str, Any] = {f"{name}_bytes": module_bytes(m) for name, m in pipeline_modules(built.pipe).items()}
    out["total_bytes"] = sum(out.values())
    out["denoiser_bytes"] = out.get(f"{built.denoiser_attr}_bytes")
    return out


def audio_output(audio: Any, vocoder_config: Any) -> dict[str, Any]:
    """The record's ``outputs.audio`` of a returned waveform (batch, channels, samples)."""
    import hashlib

    import numpy as np

    samples = np.ascontiguousarray(np.asarray(audio.float().cpu() if hasattr(audio, "float") else audio,
                                              dtype=np.float32))
    rate = getattr(vocoder_config, "output_sampling_rate", None) if vocoder_config is not None else None
    return {"shape": [int(x) for x in samples.shape], "sample_rate": None if rate is None else int(rate),
            "seconds": None if not rate else samples.shape[-1] / float(rate),
            "hash": hashlib.sha256(samples.tobytes()).hexdigest()}


def _outputs(video, hashes: list[str], outputs_dir: str | None) -> dict[str, Any]:
    """The stored video and every call's hash; calls of the same seed that differ are flagged."""
    from vbench.store import OutputStore

    result = {"video": hashes[-1], "shape": list(video.shape), "dtype": "uint8", "hashes": hashes,
              "nondeterministic": len(set(hashes)) > 1, "stored": False}
    if outputs_dir:
        OutputStore(outputs_dir).put(video)
        result["stored"] = True
    return result


def _jsonable(info: Any) -> Any:
    import json

    return json.loads(json.dumps(info, default=str))


def _drop_hook_registries(built: Any) -> None:
    """Break the one reference cycle a diffusers pipeline has after a call: a module's
    ``_diffusers_hook`` registry (created by the pipeline's ``cache_context``) holds the module
    back. Without it the run's pipeline is freed by reference counting as soon as the run lets
    go of it, with no full garbage collection (:func:`settle_frozen`). The pipeline is discarded
    after this, so its hooks need no undoing."""
    from vbench.optim.tensors import pipeline_modules

    for component in pipeline_modules(built.pipe).values():
        for module in component.modules():
            if "_diffusers_hook" in module.__dict__:
                del module.__dict__["_diffusers_hook"]


def _release(keep_frozen: bool) -> None:
    """Give the run's memory back. Without ``keep_frozen`` (a process that is not a worker)
    everything is unfrozen and collected. A worker (``keep_frozen``) collects only what was created
    since the freeze and leaves the rest to :func:`settle_frozen`, once the record has left it."""
    if not keep_frozen:
        gc.unfreeze()
    gc.collect()
    _empty_cuda_cache()


#: More objects than this left frozen by one run mean something sizeable outlived it (a run leaves a
#: handful by design: torch's queued lazy CUDA seeding, importlib's metadata cache).
LEFTOVER_OBJECTS = 1000


def settle_frozen(frozen_before: int, leftovers: dict) -> str | None:
    """In a worker, after a run's record is sent and dropped: make sure the run left nothing behind
    in the frozen generation, where the collector never looks.

    A run's pipeline is freed by reference counting when the run lets go of it (once diffusers'
    hook registry is dropped: all six tiny families are), and what the run froze leaves the frozen
    generation with it; then the worker's imports stay frozen and the next run's collections stay
    cheap (about 1 ms instead of a full 0.2 s collection with torch and diffusers loaded, on a
    2-core CPU). Everything is unfrozen and collected (and what survives frozen again) when a module
    of the pipeline is still alive, when the device holds more allocated bytes than before the run,
    or when more than :data:`LEFTOVER_OBJECTS` objects the run froze are still there. Returns why it
    had to, or None."""
    gc.collect()
    why = None
    if any(ref() is not None for ref in leftovers.get("modules", ())):
        why = "a module of the pipeline outlived the run"
    elif "device" in leftovers and _allocated(leftovers["device"]) > leftovers.get("allocated_before", 0):
        why = "the device held more allocated memory than before the run"
    elif gc.get_freeze_count() - frozen_before > LEFTOVER_OBJECTS:
        why = f"{gc.get_freeze_count() - frozen_before} objects the run froze outlived it"
    if why:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _empty_cuda_cache()
    return why


def _module_refs(built: Any) -> list:
    """Weak references to every module of the pipeline's components."""
    import weakref

    from vbench.optim.tensors import pipeline_modules

    return [weakref.ref(m) for component in pipeline_modules(built.pipe).values() for m in component.modules()]


def _allocated(device: Any) -> int:
    """Bytes the caching allocator holds for tensors on ``device`` (0 off CUDA or before CUDA starts)."""
    if getattr(device, "type", None) != "cuda":
        return 0
    import torch

    return int(torch.cuda.memory_allocated(device)) if torch.cuda.is_initialized() else 0


def _empty_cuda_cache() -> None:
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass
