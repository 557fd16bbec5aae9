"""The GPU code paths on a CPU, through the fake CUDA device and NVML of ``tests/fakecuda.py``.

Each test scripts the device (allocations, NVML memory, power) and checks that the numbers reach
what the user reads -- ``vbench env``, the machine fingerprint, the allocator's per-stage peaks,
NVML's process peak, energy and the record's best peak -- under the names the record contract
gives them. A wiring mistake between a writer and its reader (a renamed key) fails here in CI,
without a GPU.
"""

from __future__ import annotations

import json

import pytest
from fakecuda import GIB

from vbench.cli.main import main


def test_vbench_env_prints_gpu_memory(fake_gpu, capsys):
    fake_gpu.cuda.allocate(3 * GIB)
    assert main(["env"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "NVIDIA H100 80GB HBM3" in line and "│ 0 " in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    # device, name, total, reserved, allocated, free (vbench.units.format_bytes: GiB)
    assert cells[:6] == ["0", "NVIDIA H100 80GB HBM3", "80.0 GiB", "3.00 GiB", "3.00 GiB", "72.0 GiB"], row
    assert "550.54.15" in out  # the driver, from NVML


def test_vbench_env_json(fake_gpu, capsys):
    assert main(["env", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (mem,) = data["gpu_memory"]
    assert mem["total_bytes"] == 80 * GIB and mem["free_bytes"] == 75 * GIB and mem["warning"] is None
    gpu = data["fingerprint"]["gpu"]
    assert (gpu["name"], gpu["memory_bytes"], gpu["count"], gpu["driver"]) == ("NVIDIA H100 80GB HBM3", 80 * GIB,
                                                                               1, "550.54.15")
    assert gpu["compute_capability"] == "9.0"


def test_nearly_full_card_is_warned_about(fake_gpu, capsys):
    fake_gpu.cuda.other_processes = 75 * GIB
    assert main(["env"]) == 0
    assert "other processes may distort memory and speed" in capsys.readouterr().out


def test_allocator_peaks_per_stage(fake_gpu):
    from vbench.measure.memory import AllocatorMemory

    cuda = fake_gpu.cuda
    cuda.allocate(GIB)  # the weights, resident before the call
    tracker = AllocatorMemory("cuda")
    tracker.start()
    tracker.begin("denoise")
    cuda.allocate(4 * GIB)
    cuda.free(4 * GIB)
    tracker.end("denoise")
    tracker.begin("vae_decode")
    cuda.allocate(6 * GIB)
    cuda.free(6 * GIB)
    tracker.end("vae_decode")
    tracker.stop()
    out = tracker.result()
    assert out["unavailable"] == {}
    assert out["baseline_allocated_bytes"] == GIB
    assert out["peak_allocated_bytes"] == 7 * GIB and out["activation_peak_bytes"] == 6 * GIB
    assert out["stages"]["denoise"]["peak_allocated_bytes"] == 5 * GIB
    assert out["stages"]["vae_decode"]["peak_allocated_bytes"] == 7 * GIB
    assert out["peak_reserved_bytes"] == 7 * GIB  # reserved stays at its high-water mark


def test_call_tracker_and_the_record_on_a_fake_gpu(fake_gpu):
    """A whole call on "cuda:0": CUDA events, allocator, NVML sampler and energy, folded into the
    record's memory and energy sections as the harness does, read back through the metric table."""
    from vbench.harness import aggregate
    from vbench.measure.call import CallTracker
    from vbench.record import value

    cuda = fake_gpu.cuda
    cuda.allocate(GIB)
    calls = []
    for _ in range(2):
        tracker = CallTracker("cuda", interval_ms=2)
        tracker.start(collect=False)
        with tracker.stage("denoise"):
            for _ in range(3):
                cuda.allocate(2 * GIB)
                sum(range(200_000))  # some host work, so the clock and the samplers see time pass
                cuda.free(2 * GIB)
                tracker.step()
        result = tracker.stop().to_dict()
        calls.append({"memory": result["memory"], "energy": result["energy"]})
    assert result["timing"]["method"] == "cuda_events"
    steps = result["timing"]["steps"]["samples"]
    assert len(steps) == 3 and all(s > 0 for s in steps)
    assert cuda.synchronized > 0
    memory = aggregate.memory(calls, {"total_bytes": GIB})
    assert memory["allocator"]["peak_allocated_bytes"] == 3 * GIB
    assert memory["allocator"]["stages"]["denoise"]["peak_allocated_bytes"] == 3 * GIB
    assert memory["nvml"]["process_used_peak_bytes"] == 2 * GIB  # this pid in the fake NVML
    assert memory["nvml"]["device_used_peak_bytes"] == 3 * GIB
    assert memory["peak"] == {"bytes": 2 * GIB, "source": "nvml_process_used"}
    energy = aggregate.energy(calls, videos_per_call=2)
    assert energy["unavailable"] == {} and energy["method"]
    per_call = energy["joules_per_call"]["median"]
    assert per_call > 0 and energy["joules_per_video"]["median"] == pytest.approx(per_call / 2)
    record = {"memory": memory, "energy": energy}
    assert value(record, "peak_memory") == 2 * GIB and value(record, "reserved_peak") == 3 * GIB
    assert value(record, "nvml_process_peak") == 2 * GIB and value(record, "energy_per_video") > 0


def test_without_nvml_the_gpu_sources_have_reasons(fake_gpu, monkeypatch):
    from vbench import nvml
    from vbench.measure.call import CallTracker

    monkeypatch.setattr(nvml, "_state", {"tried": True, "module": None, "reason": "NVML could not be initialised"})
    tracker = CallTracker("cuda", interval_ms=2)
    tracker.start(collect=False)
    fake_gpu.cuda.allocate(GIB)
    result = tracker.stop().to_dict()
    assert result["memory"]["allocator"]["peak_allocated_bytes"] == GIB  # torch's allocator still reads
    assert "NVML could not be initialised" in " ".join(result["memory"]["nvml"]["unavailable"].values())
    assert result["energy"]["energy_j"] is None and result["energy"]["unavailable"]["energy"]
