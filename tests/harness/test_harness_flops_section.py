"""The record's flops section: FLOPs per call, achieved TFLOP/s and fraction of peak, computed in one place."""

from __future__ import annotations

import pytest
import torch

from vbench.measure.flops import flops_section

H100 = "NVIDIA H100 80GB HBM3"


def test_rates_from_one_counted_forward():
    counted = {"flops": 10**12, "forwards_per_call": 6, "by_op": {}, "forwards": 1, "unavailable": {}}
    out = flops_section(counted, [2.0, 3.0, 99.0], H100, torch.bfloat16)
    assert out["flops_per_call"] == 6 * 10**12
    assert out["achieved_tflops"] == pytest.approx(2.0)  # over the median denoising time, 3 s
    assert out["fraction_of_peak"] == pytest.approx(2.0 / 989.5) and out["unavailable"] == {}
    assert counted["unavailable"] == {} and "flops_per_call" not in counted  # the input is not changed


def test_fp32_is_rated_against_the_tf32_peak_when_torch_uses_tf32():
    counted = {"flops": 10**12, "forwards_per_call": 1}
    previous = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("high")
        assert flops_section(counted, [1.0], H100, torch.float32)["fraction_of_peak"] == pytest.approx(1 / 494.5)
        torch.set_float32_matmul_precision("highest")
        assert flops_section(counted, [1.0], H100, torch.float32)["fraction_of_peak"] == pytest.approx(1 / 67.0)
    finally:
        torch.set_float32_matmul_precision(previous)


def test_what_is_missing_is_null_with_a_reason():
    cpu = flops_section({"flops": 10**9, "forwards_per_call": 2}, [1.0])
    assert cpu["achieved_tflops"] == pytest.approx(2e-3)
    assert cpu["fraction_of_peak"] is None and "CPU" in cpu["unavailable"]["fraction_of_peak"]
    untracked = flops_section({"flops": 10**9, "forwards_per_call": 2}, [], H100, torch.bfloat16)
    assert untracked["achieved_tflops"] is None and "tracked step times" in untracked["unavailable"]["achieved_tflops"]
    counted = {"unavailable": {"flops": "measure.flops is off"}}
    off = flops_section(counted)
    assert off["achieved_tflops"] is None and off["unavailable"]["flops"] == "measure.flops is off"
    assert counted == {"unavailable": {"flops": "measure.flops is off"}}  # the input is not changed
