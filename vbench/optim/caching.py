"""Step-level caches (``optimizations.cache``) through diffusers' hooks, and what they did, counted.

The cache is diffusers' own (``denoiser.enable_cache(Config(...))``, ``diffusers.hooks``), built
from ``cache_options`` in diffusers' field names plus what vbench sets for the run:

* PAB and FasterCache read the denoising timestep from the pipeline's ``current_timestep``;
* FasterCache's unconditional-batch skip needs classifier-free guidance batched into one forward
  of a 5-D latent: pipelines that run the unconditional pass as its own forward (Wan,
  HunyuanVideo) or pack their latents into tokens (LTX) get ``is_guidance_distilled: true`` (the
  skip off, attention reuse on), said in the record; asking for the skip there is
  ``unsupported``. Its tensor layout follows the family's latent layout;
* MagCache is given the run's ``num_inference_steps``; without ``mag_ratios`` vbench calibrates
  them with one untimed call of the run's own workload (diffusers' ``calibrate`` mode) and records
  them, so a later run can pin them.

A denoiser without diffusers' cache hooks (SVD's UNet), a cache diffusers refuses for it, or one
whose module patterns hook nothing is ``unsupported`` with the reason.

What the cache did is *counted*, not assumed from its settings: :class:`CacheCounter` puts torch
forward hooks under diffusers' hooks, on the direct children of every transformer block and on
the first linear layer of every attention module. A block *ran* in a denoiser forward when one of
its children ran; an attention module ran when its projection did. Per pipeline call the record
holds the forwards, the block and attention executions against their totals, and how many
forwards ran every block, some, or none past the first, and the most the cache's states held
(the distinct tensor storages reachable from diffusers' hook states, after each forward of the
first counted call: its memory cost, which is freed when the call ends). The hooks cost a Python
call each; they sit only on cached runs, so they can only make a cache look slower.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.scenario.caches import CONFIG_CLASSES

#: Families where FasterCache's unconditional-batch skip cannot apply, and why: the pipeline calls
#: the denoiser separately for the conditional and unconditional pass, or its latents are packed
#: into tokens (the skip works on the frequencies of a [B, C, F, H, W] or [B, F, C, H, W] latent).
NO_BATCH_SKIP = {"wan": "the wan pipeline runs the unconditional pass as its own forward",
                 "hunyuan": "the hunyuan pipeline runs the unconditional pass as its own forward",
                 "hunyuan15": "the hunyuan15 pipeline's guider runs the unconditional pass as its own forward",
                 "ltx": "the ltx pipeline packs its latents into tokens, and the skip filters a 5-D latent"}
#: FasterCache ``tensor_format`` per family latent layout (``vbench.models.latents``).
TENSOR_FORMATS = {"wan": "BCFHW", "hunyuan": "BCFHW", "hunyuan15": "BCFHW", "mochi": "BCFHW", "ltx": "BCFHW", "cogvideox": "BFCHW"}
#: PAB with no options: every other block's spatial attention reused (diffusers' docs' example).
PAB_DEFAULT = {"spatial_attention_block_skip_range": 2}


def wanted(optimizations: dict) -> bool:
    return optimizations.get("cache", "none") != "none"


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    mode, options = optimizations["cache"], dict(optimizations.get("cache_options") or {})
    denoiser = built.denoiser
    if not hasattr(denoiser, "enable_cache"):
        raise UnsupportedError(f"cache {mode}: {type(denoiser).__name__} has no diffusers cache hooks (CacheMixin)")
    notes: list[str] = []
    counter = CacheCounter(denoiser)
    if mode == "first-block" and len(counter.blocks) < 2:
        raise UnsupportedError(f"cache first-block needs at least two transformer blocks (the first decides, the "
                               f"last keeps the residual); {type(denoiser).__name__} here has {len(counter.blocks)}")
    settings, calibration = _settings(built, mode, options, ctx, notes)
    config = _config(built, mode, settings)
    _enable(denoiser, mode, config)
    hooked = _hooked(denoiser)
    if not hooked:
        denoiser.disable_cache()
        raise UnsupportedError(f"cache {mode} hooked no module of {type(denoiser).__name__}: its module patterns "
                               "match none of the denoiser's module names (set the *_identifiers options)")
    counter.install()
    built.call_trackers.append(counter)
    out: dict[str, Any] = {"mode": mode, "config_class": CONFIG_CLASSES[mode], "settings": settings,
                           "hooked_modules": len(hooked), "counts": None, "notes": notes}
    if calibration is not None:
        out["calibration"] = calibration
    return out


def _settings(built: Any, mode: str, options: dict, ctx: Any, notes: list[str]
              ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The options with what vbench sets (plain JSON), and MagCache's calibration if it ran."""
    settings = dict(options)
    calibration = None
    if mode == "pab" and not settings:
        settings.update(PAB_DEFAULT)
        notes.append("no options: spatial_attention_block_skip_range 2")
    if mode == "faster-cache":
        first = int(getattr(built.pipe.scheduler.config, "num_train_timesteps", 1000) or 1000)
        for key in ("spatial_attention_timestep_skip_range", "temporal_attention_timestep_skip_range"):
            span = settings.get(key)
            if span is not None and span[1] >= first:
                raise UnsupportedError(f"cache faster-cache: {key} {list(span)} reaches the first timestep ({first}), "
                                       "where nothing is cached yet to reuse (diffusers' hook fails there); keep its "
                                       f"upper end below {first}")
        if built.family == "generic" and "tensor_format" not in settings:
            raise UnsupportedError("cache faster-cache: the latent layout of a pipeline outside the known families is "
                                   "not known; give cache_options.tensor_format (diffusers' names: BCFHW, BFCHW)")
        settings.setdefault("tensor_format", TENSOR_FORMATS.get(built.family, "BCFHW"))
        why = NO_BATCH_SKIP.get(built.family)
        if why is not None:
            if settings.get("is_guidance_distilled") is False:
                raise UnsupportedError(f"cache faster-cache: {why}, so FasterCache's unconditional-batch skip cannot "
                                       "apply (leave is_guidance_distilled unset: attention reuse still runs)")
            if "is_guidance_distilled" not in settings:
                settings["is_guidance_distilled"] = True
                notes.append(f"is_guidance_distilled set: {why}, so the unconditional-batch skip is off and attention "
                             "reuse alone runs")
    if mode == "mag-cache":
        settings["num_inference_steps"] = int(ctx.workload["num_inference_steps"])
        if settings.get("mag_ratios") is None:
            calibration = _calibrate(built, settings, ctx)
            settings["mag_ratios"] = calibration["mag_ratios"]
            notes.append("mag_ratios calibrated on this run's workload (one untimed call)")
    return settings, calibration


def _config(built: Any, mode: str, settings: dict[str, Any]) -> Any:
    import torch
    from diffusers import hooks

    kwargs = {k: (tuple(v) if k.endswith("_range") and isinstance(v, list) else v) for k, v in settings.items()}
    if "taylor_factors_dtype" in kwargs:
        kwargs["taylor_factors_dtype"] = getattr(torch, kwargs["taylor_factors_dtype"])
    if mode in ("pab", "faster-cache"):
        pipe = built.pipe
        kwargs["current_timestep_callback"] = lambda: _timestep(pipe)
    if mode == "faster-cache":
        kwargs.setdefault("attention_weight_callback", lambda _module: 0.5)  # diffusers' own fallback, said
    try:
        return getattr(hooks, CONFIG_CLASSES[mode])(**kwargs)
    except (TypeError, ValueError) as exc:
        raise UnsupportedError(f"cache {mode}: {' '.join(str(exc).split())}") from None


def _timestep(pipe: Any) -> float:
    t = pipe.current_timestep
    return float(t.flatten()[0]) if hasattr(t, "flatten") else float(t if t is not None else 1000)


def _enable(denoiser: Any, mode: str, config: Any) -> None:
    try:
        denoiser.enable_cache(config)
    except (ValueError, KeyError, TypeError, AttributeError, NotImplementedError, IndexError) as exc:
        _undo(denoiser)
        raise UnsupportedError(f"cache {mode} on {type(denoiser).__name__}: {type(exc).__name__}: "
                               f"{' '.join(str(exc).split())[:300]}") from None


def _undo(denoiser: Any) -> None:
    import contextlib

    with contextlib.suppress(Exception):  # nothing may have been enabled
        denoiser.disable_cache()


def _hooked(denoiser: Any) -> list[str]:
    """Names of the denoiser's modules that carry one of diffusers' cache hooks."""
    out = []
    for name, module in denoiser.named_modules():
        registry = getattr(module, "_diffusers_hook", None)
        if registry is not None and any("cache" in key or "broadcast" in key or "fbc" in key
                                        for key in getattr(registry, "hooks", {})):
            out.append(name or "<root>")
    return out


def _calibrate(built: Any, settings: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """MagCache ratios of this model and schedule: one untimed call in diffusers' calibrate mode.

    The tail block's hook computes one ratio per step and per cache context (conditional and
    unconditional pass) and clears them at the end of the loop; each is read as it is made. The
    conditional pass's ratios (the first context seen) are the ones used; every context's are kept.
    """
    import contextlib
    import io
    import time

    from diffusers import hooks
    from diffusers.hooks.mag_cache import _MAG_CACHE_BLOCK_HOOK

    steps = settings["num_inference_steps"]
    config = hooks.MagCacheConfig(calibrate=True, num_inference_steps=steps,
                                  **{k: v for k, v in settings.items() if k in ("threshold", "max_skip_steps",
                                                                                "retention_ratio")})
    denoiser = built.denoiser
    _enable(denoiser, "mag-cache", config)
    by_state: dict[int, list[float]] = {}
    for module in denoiser.modules():
        registry = getattr(module, "_diffusers_hook", None)
        hook = registry.hooks.get(_MAG_CACHE_BLOCK_HOOK) if registry is not None else None
        if hook is not None and getattr(hook, "is_tail", False):
            original = hook._perform_calibration_step

            def step(state, residual, _original=original):
                _original(state, residual)
                by_state.setdefault(id(state), []).append(float(state.calibration_ratios[-1]))
            hook._perform_calibration_step = step
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # diffusers prints the ratios as well
        built.pipe(**built.call_kwargs(ctx.workload, device=ctx.device))
    seconds = time.perf_counter() - t0
    denoiser.disable_cache()
    contexts = [r for r in by_state.values() if len(r) == steps]
    if not contexts:
        raise UnsupportedError("cache mag-cache: calibration gave no ratios for this pipeline (its denoising loop "
                               "did not reach MagCache's tail block every step); give cache_options.mag_ratios")
    return {"mag_ratios": contexts[0], "seconds": seconds, "every_context": contexts}


class CacheCounter:
    """Counts, per pipeline call, the denoiser forwards and which blocks and attention modules ran.

    A call tracker of :class:`~vbench.models.BuiltPipeline`: the harness calls ``begin_call`` and
    ``end_call`` around every pipeline call and puts ``summary()`` under ``applied[name]["counts"]``.
    """

    name = "cache"

    def __init__(self, denoiser: Any):
        self.denoiser = denoiser
        self.blocks = _blocks(denoiser)
        self.attention = _attention_projections(denoiser)
        self._handles: list[Any] = []
        self._forward: tuple[set[int], set[int]] | None = None
        self._call: list[tuple[int, int]] = []
        self.calls: list[list[tuple[int, int]]] = []
        self.active = False
        self.state_bytes_peak = 0

    def install(self) -> None:
        for i, block in enumerate(self.blocks):
            for child in block.children():
                self._handles.append(child.register_forward_hook(lambda *_a, _i=i: self._ran(0, _i)))
        for j, proj in enumerate(self.attention):
            self._handles.append(proj.register_forward_hook(lambda *_a, _j=j: self._ran(1, _j)))
        self._handles.append(self.denoiser.register_forward_pre_hook(lambda *_a: self._begin()))
        self._handles.append(self.denoiser.register_forward_hook(lambda *_a: self._end()))

    def _ran(self, kind: int, index: int) -> None:
        if self._forward is not None:
            self._forward[kind].add(index)

    def _begin(self) -> None:
        self._forward = (set(), set())

    def _end(self) -> None:
        if self._forward is not None and self.active:
            self._call.append((len(self._forward[0]), len(self._forward[1])))
            if not self.calls:  # the first counted call: what the cache holds after each forward
                self.state_bytes_peak = max(self.state_bytes_peak, state_bytes(self.denoiser))
        self._forward = None

    def begin_call(self) -> None:
        self.active, self._call = True, []

    def end_call(self) -> None:
        self.active = False
        self.calls.append(self._call)

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def summary(self) -> dict[str, Any]:
        """The counts of the last call, and whether every call counted the same."""
        if not self.calls:
            return {"unavailable": "no pipeline call was counted"}
        last = self.calls[-1]
        nb, na = len(self.blocks), len(self.attention)
        blocks = sum(b for b, _ in last)
        attn = sum(a for _, a in last)
        return {
            "calls_counted": len(self.calls), "same_every_call": all(c == last for c in self.calls),
            "forwards": len(last), "blocks_per_forward": nb, "attention_per_forward": na,
            "blocks": {"computed": blocks, "total": nb * len(last)},
            "attention": {"computed": attn, "total": na * len(last)},
            "forwards_all_blocks": sum(1 for b, _ in last if b == nb),
            "forwards_some_blocks": sum(1 for b, _ in last if 1 < b < nb),
            "forwards_reused": sum(1 for b, _ in last if b <= 1 < nb),
            "per_forward": [list(x) for x in last],
            "state_bytes_peak": self.state_bytes_peak,
            "state_measured": "tensors held by the cache hooks' states after each denoiser forward of the first "
                              "counted call (the largest); freed when the pipeline call ends",
            "counted_by": "torch forward hooks under diffusers' hooks: block children and attention projections",
        }


def state_bytes(denoiser: Any) -> int:
    """Bytes of the distinct tensor storages held by the states of diffusers' hooks on ``denoiser``
    (what a cache keeps between steps: residuals, attention outputs, Taylor factors)."""
    import torch

    seen: set[int] = set()
    total = 0

    def visit(obj: Any, depth: int) -> None:
        nonlocal total
        if isinstance(obj, torch.Tensor):
            storage = obj.untyped_storage()
            key = storage.data_ptr() or id(storage)
            if key not in seen:
                seen.add(key)
                total += storage.nbytes()
        elif depth < 4 and isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item, depth + 1)
        elif depth < 4 and isinstance(obj, dict):
            for item in obj.values():
                visit(item, depth + 1)
        elif depth < 4 and hasattr(obj, "__dict__") and type(obj).__module__.startswith("diffusers.hooks"):
            for item in vars(obj).values():
                visit(item, depth + 1)

    for module in denoiser.modules():
        registry = getattr(module, "_diffusers_hook", None)
        for hook in (getattr(registry, "hooks", None) or {}).values():
            visit(getattr(hook, "state", None), 0)
            manager = getattr(hook, "state_manager", None)
            visit(getattr(manager, "_state_cache", None), 0)
    return total


def _blocks(denoiser: Any) -> list[Any]:
    import torch

    out = []
    for _, child in denoiser.named_children():
        if isinstance(child, torch.nn.ModuleList):
            out.extend(b for b in child if any(True for _ in b.children()))
    return out


def _attention_projections(denoiser: Any) -> list[Any]:
    """The first linear layer of every attention module: a module with an attention processor
    (diffusers' ``Attention``, and the families' own classes such as ``MochiAttention``)."""
    import torch

    out = []
    for module in denoiser.modules():
        if getattr(module, "processor", None) is not None:
            proj = next((c for c in module.children() if isinstance(c, torch.nn.Linear)), None)
            if proj is not None:
                out.append(proj)
    return out
