"""The pipeline is frozen out of the collector while a run measures (so the collection before each
call scans only new objects), and given back afterwards, whatever happened: in a process that is
not a worker everything is unfrozen; a worker keeps torch and diffusers frozen across runs and
still frees every pipeline."""

from __future__ import annotations

import gc

from tests.harness.harness_cases import TINY_WAN, runs_of
from vbench.harness.execute import execute_run, repeat_loop, settle_frozen


def test_the_pipeline_is_frozen_while_measuring_and_released_after():
    [run] = runs_of(TINY_WAN, measure={"repeats": 1, "warmup": 0, "flops": False})
    seen = {}

    def probe(runner, measure, on_warm):
        seen["frozen"] = gc.get_freeze_count()
        return repeat_loop(runner, measure, on_warm)

    record = execute_run(run.model_dump(mode="json"), loop=probe)
    assert record["status"] == "ok", record.get("reason")
    assert seen["frozen"] > 10_000  # torch, diffusers and the pipeline sit in the permanent generation
    assert gc.get_freeze_count() == 0  # handed back to the collector


def test_a_failing_run_unfreezes_too():
    [run] = runs_of(TINY_WAN, measure={"repeats": 1, "warmup": 0, "flops": False})

    def boom(runner, measure, on_warm):
        assert gc.get_freeze_count() > 0
        raise RuntimeError("a call failed")

    record = execute_run(run.model_dump(mode="json"), loop=boom)
    assert record["status"] == "error" and "a call failed" in record["reason"]
    assert gc.get_freeze_count() == 0


def _run_in_worker_mode(monkeypatch, make_cycle: bool = False, hook: str | None = None):
    """One run as a worker runs it (``keep_frozen``, then :func:`settle_frozen` once the record is
    dropped); returns (weak refs to the denoiser's modules, why settling had to unfreeze, how often
    everything was unfrozen, the freeze count after)."""
    import weakref

    [run] = runs_of(TINY_WAN, measure={"repeats": 1, "warmup": 0, "flops": False})
    refs, unfrozen = [], []
    real_unfreeze = gc.unfreeze
    monkeypatch.setattr(gc, "unfreeze", lambda: (unfrozen.append(1), real_unfreeze())[1])

    def probe(runner, measure, on_warm):
        refs.extend(weakref.ref(m) for m in runner.built.denoiser.modules())
        if make_cycle:
            runner.built.pipe.held_by_a_cycle = runner.built.pipe
        return repeat_loop(runner, measure, on_warm)

    gc.collect()
    gc.freeze()  # as the forkserver leaves a worker
    try:
        base, leftovers = gc.get_freeze_count(), {}
        record = execute_run(run.model_dump(mode="json"), loop=probe, keep_frozen=True, leftovers=leftovers, hook=hook)
        assert record["status"] == "ok", record.get("reason")
        del record
        why = settle_frozen(base, leftovers)
        frozen = gc.get_freeze_count()
    finally:
        real_unfreeze()
    return refs, why, len(unfrozen), frozen


def test_a_worker_frees_the_pipeline_without_unfreezing_everything(monkeypatch):
    """The pipeline goes by reference counting once diffusers' hook registry (a module <-> registry
    cycle made by the call) is dropped: no full collection, the frozen generation stays frozen."""
    refs, why, unfrozen, frozen = _run_in_worker_mode(monkeypatch)
    assert refs and all(ref() is None for ref in refs)  # every module of the denoiser is gone
    assert why is None and unfrozen == 0 and frozen > 10_000


def test_a_pipeline_held_by_a_cycle_is_still_freed(monkeypatch):
    refs, why, unfrozen, frozen = _run_in_worker_mode(monkeypatch, make_cycle=True)
    assert why == "a module of the pipeline outlived the run"
    assert all(ref() is None for ref in refs)  # frozen cycles are never collected: it unfroze, collected
    assert unfrozen == 1 and frozen > 0  # and froze what survived again


#: A ring of lists a run leaves behind outside the pipeline, built before the freeze by the hook.
RING: list = []
MARKERS: list = []


class _Marker:
    pass


def leave_a_ring(spec) -> None:
    """A hook (runs before the build): 3,000 lists in a cycle, holding a marker."""
    import weakref

    ring = [[] for _ in range(3000)]
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        a.append(b)
    marker = _Marker()
    ring[0].append(marker)
    MARKERS.append(weakref.ref(marker))
    RING.append(ring[0])


def test_a_cycle_outside_the_pipeline_is_collected_too(monkeypatch):
    """A cycle the run froze and dropped (no module in it) is found by its size and collected."""
    from vbench.harness import execute

    real = execute._drop_hook_registries
    monkeypatch.setattr(execute, "_drop_hook_registries", lambda built: (real(built), RING.clear()))
    MARKERS.clear()
    _, why, unfrozen, _ = _run_in_worker_mode(monkeypatch, hook=f"{__name__}:leave_a_ring")
    assert why is not None and "objects the run froze outlived it" in why, why
    assert MARKERS and MARKERS[0]() is None and unfrozen == 1
