"""pytest plugin: scenarios as parametrized pytest-benchmark cases (``pytest benchmarks/``).

A test asks for the ``vbench_record`` fixture and names its scenario with the ``vbench`` marker
(a file path, an inline dict, or a list of them) or takes it from ``--vbench-scenario``. Each RunSpec of the
scenario becomes one case with a readable id (``wan-tiny-bf16-steps4``). The case builds the
pipeline, applies its optimizations and lets pytest-benchmark's pedantic mode drive the calls
(``measure.warmup`` calls first, then ``rounds`` = ``measure.repeats`` of one iteration each);
every call ends with a device synchronize, so pytest-benchmark never times an asynchronous
launch. vbench's full record goes into ``benchmark.extra_info["vbench"]``.

A case whose record is ``unsupported`` is skipped with the reason; ``oom``, ``error`` and
``timeout`` fail it with the reason. Tests marked ``gpu`` skip without CUDA. Beside the record,
``extra_info["vbench_metrics"]`` holds every metric of :data:`vbench.record.METRICS` the record
has, by its canonical name (``latency``, ``peak_memory``, ``psnr`` …) with its unit.

Example::

    @pytest.mark.vbench("scenarios/quickstart.yaml")
    def test_quickstart(vbench_record):
        assert vbench_record["timing"]["e2e"]["median"] > 0
        assert vbench.record.value(vbench_record, "peak_memory") < 24e9
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from vbench.errors import ScenarioError
from vbench.record import METRICS, value
from vbench.scenario import expand, iter_labels, plan, validate_document
from vbench.scenario.run_options import add_run_options, overrides_from

#: The keyword arguments of the ``vbench`` marker: ``set``, a list of ``--set`` overrides.
MARKER_KWARGS = ("set",)
_WRITER = pytest.StashKey[Any]()
_PATHS = pytest.StashKey[list]()
_SESSION = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vbench", "vbench scenarios as benchmarks")
    add_run_options(group.addoption, prefix="vbench-")
    group.addoption("--vbench-scenario", dest="vbench_scenario", default=None, metavar="SCENARIO",
                    help="scenario file for tests that use vbench_record without a vbench marker")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vbench(scenario, set=[...]): the scenario file (or dict) whose runs "
                                       "parametrize the test's vbench_record")
    config.addinivalue_line("markers", "gpu: needs a CUDA device; skipped without one")
    config.stash[_PATHS] = []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "vbench_record" not in metafunc.fixturenames:
        return
    config = metafunc.config
    marker = metafunc.definition.get_closest_marker("vbench")
    source = marker.args[0] if marker and marker.args else config.getoption("vbench_scenario")
    if source is None:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: uses vbench_record but names no scenario "
                                "(add @pytest.mark.vbench(PATH) or pass --vbench-scenario PATH)")
    unknown = sorted(set(marker.kwargs) - set(MARKER_KWARGS)) if marker else []
    if unknown:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: @pytest.mark.vbench got unknown keyword "
                                f"argument(s) {', '.join(unknown)}; it takes: {', '.join(MARKER_KWARGS)}")
    overrides = [*(marker.kwargs.get("set", []) if marker else []),
                 *overrides_from(config.getoption("vbench_set"), config.getoption("vbench_device"))]
    runs = _runs(source, overrides, metafunc.definition.path.parent)
    params = [pytest.param(run, id=label, marks=_marks(run)) for run, label in zip(runs, iter_labels(runs),
                                                                                   strict=True)]
    metafunc.parametrize("vbench_spec", params)


def _runs(source: Any, overrides: list[str], base: Path) -> list:
    if isinstance(source, (list, tuple)):  # several scenarios: their cases one after another
        return [run for one in source for run in _runs(one, overrides, base)]
    try:
        if isinstance(source, dict):
            scenario = validate_document(source, source="inline scenario", default_name=source.get("name", "inline"),
                                         overrides=overrides)
            return expand(scenario, source="inline scenario")
        path = Path(source)
        if not path.is_absolute() and not path.exists():
            path = base / path
        return plan(path, overrides)[1]
    except ScenarioError as exc:
        raise pytest.UsageError(str(exc)) from None


def _marks(run) -> list:
    needs_gpu = run.measure.device.startswith("cuda") or run.model.source == "arch"
    return [pytest.mark.gpu] if needs_gpu else []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    reason = _no_cuda_reason()
    if reason:
        skip = pytest.mark.skip(reason=f"needs a CUDA device: {reason}")
        for item in items:
            if item.get_closest_marker("gpu"):
                item.add_marker(skip)


def _no_cuda_reason() -> str | None:
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    return None if torch.cuda.is_available() else "torch.cuda.is_available() is False"


@pytest.fixture
def vbench_spec() -> Any:  # replaced by parametrization; requesting it alone is a usage error
    raise pytest.UsageError("vbench_spec is parametrized from a scenario; use the vbench marker")


@pytest.fixture
def vbench_record(vbench_spec, benchmark, request) -> dict:
    """Run this case under pytest-benchmark and return vbench's record of it."""
    from vbench.harness.execute import execute_run

    spec = {**vbench_spec.to_dict(), "label": request.node.callspec.id}
    record = execute_run(spec, session="pytest", isolation={"mode": "pytest", "note": "in the pytest process"},
                         loop=_pedantic_loop(benchmark))
    benchmark.extra_info["vbench"] = record
    benchmark.extra_info["vbench_metrics"] = metric_values(record)
    _store(request.config, record)
    if record["status"] == "unsupported":
        pytest.skip(f"unsupported: {record['reason']}")
    if record["status"] != "ok":
        pytest.fail(f"{record['status']}: {record['reason']}", pytrace=False)
    return record


def metric_values(record: dict) -> dict[str, dict[str, Any]]:
    """The metrics of :data:`vbench.record.METRICS` the record holds, by their canonical names, with
    unit and direction: a flat view of the record for pytest-benchmark's JSON and its readers."""
    out = {}
    for m in METRICS:
        v = value(record, m.name)
        if v is not None:
            out[m.name] = {"value": v, "unit": m.unit, "higher_is_better": m.higher_is_better}
    return out


def _pedantic_loop(benchmark):
    """The harness's measuring loop with pytest-benchmark's pedantic mode timing the repeats.

    The warmup calls run first through the harness (the first is the cold start, compile included),
    then ``benchmark.pedantic`` times ``measure.repeats`` rounds of one call each. The garbage
    collection before each call (see :class:`~vbench.measure.call.CallTracker`) is pedantic's
    untimed ``setup``, so pytest-benchmark's times do not include it.
    """

    def collect() -> None:  # pedantic's setup must not return a value
        gc.collect()

    def loop(runner, measure: dict, on_warm):
        warmups = [runner.call() for _ in range(measure["warmup"])]
        on_warm()
        calls: list[dict] = []
        benchmark.pedantic(lambda: calls.append(runner.call(collect=False)), setup=collect,
                           rounds=measure["repeats"], iterations=1, warmup_rounds=0)
        cold = warmups[0] if warmups else calls[0]
        return cold, [c["timing"].e2e_s for c in warmups], calls

    return loop


def _store(config: pytest.Config, record: dict) -> None:
    out = config.getoption("vbench_results")
    if not out:
        return
    from vbench.store import RecordWriter, new_session_name, session_path

    writers = config.stash.setdefault(_WRITER, {})
    scenario = record["scenario"]
    if scenario not in writers:
        session = config.stash.setdefault(_SESSION, new_session_name())
        path = session_path(out, scenario, session)
        writers[scenario] = RecordWriter(path).__enter__()
        config.stash[_PATHS].append(path)
    writers[scenario].write({**record, "session": writers[scenario].path.stem})


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    for writer in config.stash.get(_WRITER, {}).values():
        writer.__exit__(None, None, None)
    if config.getoption("vbench_quality", False) and config.stash.get(_PATHS, []):
        from vbench.scoring.session import score_session

        for path in config.stash[_PATHS]:
            score_session(path)


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    """GPU, driver, CUDA and library versions, so --benchmark-compare warns when machines differ."""
    from vbench.env import fingerprint

    fp = fingerprint()
    gpu = fp.get("gpu") or {}
    devices = gpu.get("devices") or [{}]
    versions = fp.get("versions") or {}
    machine_info["vbench"] = {
        "gpu": devices[0].get("name"),
        "gpu_count": gpu.get("count", 0),
        "gpu_memory_bytes": devices[0].get("memory_bytes"),
        "driver": gpu.get("driver"),
        "cuda": fp.get("cuda"),
        "torch": versions.get("torch"),
        "diffusers": versions.get("diffusers"),
    }
