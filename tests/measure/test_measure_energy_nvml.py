"""Energy and the NVML wrapper: unavailable with reasons here, and their logic through a fake NVML."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest
import torch

from vbench import nvml
from vbench.measure import EnergyMeter, NvmlSampler

needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA path")


@needs_no_cuda
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_energy_on_cpu_is_unavailable_not_zero(device):
    meter = EnergyMeter(device)
    meter.start()
    meter.stop()
    r = meter.result()
    assert r["energy_j"] is None and r["method"] is None
    assert r["unavailable"]["energy"] == "no CUDA device"


def test_nvml_errors_become_reasons(monkeypatch):
    monkeypatch.setattr(nvml, "_state", {"tried": False, "module": None, "reason": None})
    module, reason = nvml.nvml()
    if module is None:  # this machine: no NVML library
        assert reason and reason.startswith(("NVML could not be initialised", "nvidia-ml-py"))
        value, why = nvml.call("nvmlDeviceGetCount")
        assert value is None and why == reason
        assert nvml.handle(0)[2] == reason
        assert nvml.driver_version() == (None, reason)
    else:
        assert reason is None


def test_call_reports_missing_functions_and_exceptions(fake_nvml):
    assert nvml.call("nvmlNoSuchFunction")[1] == "this nvidia-ml-py has no nvmlNoSuchFunction"
    fake_nvml.fail["nvmlDeviceGetMemoryInfo"] = RuntimeError("GPU is lost")
    value, why = nvml.call("nvmlDeviceGetMemoryInfo", None)
    assert value is None and "GPU is lost" in why
    assert nvml.driver_version() == ("550.54.15", None)


def _props(dev, with_uuid=True, with_pci=True):
    ns = SimpleNamespace(name="Fake GPU")
    if with_uuid:
        ns.uuid = SimpleNamespace(bytes=uuid.UUID(dev.uuid.removeprefix("GPU-")).bytes)
    if with_pci:
        ns.pci_domain_id, ns.pci_bus_id, ns.pci_device_id = dev.pci.domain, dev.pci.bus, dev.pci.device
    return ns


@pytest.mark.parametrize(("with_uuid", "with_pci", "how"), [(True, True, "uuid"), (False, True, "pci_bus_id")])
def test_torch_device_maps_to_its_nvml_handle_not_its_index(monkeypatch, fake_nvml, with_uuid, with_pci, how):
    # CUDA_VISIBLE_DEVICES=2: torch's cuda:0 is NVML's device 2
    target = fake_nvml.devices[2]
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: _props(target, with_uuid, with_pci))
    handle, found_by, reason = nvml.handle(0)
    assert reason is None and handle is target and found_by == how


def test_torch_uuid_formats():
    text = "5b1a2c3d-0000-1111-2222-333344445555"
    assert nvml.torch_uuid(SimpleNamespace(uuid=SimpleNamespace(bytes=uuid.UUID(text).bytes))) == text
    assert nvml.torch_uuid(SimpleNamespace(uuid="GPU-" + text.upper())) == text
    assert nvml.torch_uuid(SimpleNamespace()) is None


def test_unmatched_device_falls_back_to_cuda_visible_devices_then_gives_reasons(monkeypatch, fake_nvml):
    stranger = SimpleNamespace(uuid="GPU-99999999-0000-0000-0000-000000000000",
                               pci=SimpleNamespace(domain=0, bus=0x99, device=0))
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: _props(stranger))
    monkeypatch.setattr(torch.cuda, "_get_nvml_device_index", lambda i: 3)
    handle, how, reason = nvml.handle(0)
    assert handle is fake_nvml.devices[3] and how == "cuda_visible_devices"

    def broken(i):
        raise RuntimeError("Can't get device UUIDs")

    monkeypatch.setattr(torch.cuda, "_get_nvml_device_index", broken)
    handle, how, reason = nvml.handle(0)
    assert handle is None and "no NVML device matches cuda:0" in reason and "Can't get device UUIDs" in reason


def test_energy_from_the_counter(on_fake_gpu):
    meter = EnergyMeter("cpu")
    meter.start()
    time.sleep(0.2)
    meter.stop()
    r = meter.result()
    assert r["method"] == "nvml_energy_counter" and r["unavailable"] == {}
    assert r["energy_j"] == pytest.approx(100.0 * r["duration_s"], rel=0.1)
    assert r["mean_power_w"] == pytest.approx(100.0, rel=0.1)


def test_energy_falls_back_to_integrated_power_when_the_counter_stalls(on_fake_gpu):
    on_fake_gpu.energy_advances = False
    sampler = NvmlSampler("cpu", interval_ms=5)
    meter = EnergyMeter("cpu", power=sampler)
    sampler.start()
    meter.start()
    time.sleep(0.2)
    meter.stop()
    sampler.stop()
    r = meter.result()
    assert r["method"] == "power_integral" and r["counter_j"] is None
    assert r["energy_j"] == pytest.approx(100.0 * r["duration_s"], rel=0.05)


def test_energy_without_counter_or_power_is_unavailable_with_both_reasons(on_fake_gpu):
    on_fake_gpu.fail["nvmlDeviceGetTotalEnergyConsumption"] = RuntimeError("Not Supported")
    meter = EnergyMeter("cpu")
    meter.start()
    meter.stop()
    r = meter.result()
    assert r["energy_j"] is None
    assert "Not Supported" in r["unavailable"]["energy"] and "no power sampler" in r["unavailable"]["energy"]
