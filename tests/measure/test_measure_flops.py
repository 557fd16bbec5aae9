"""FLOP counting against 2*M*N*K, the first-forward counter, achieved TFLOP/s and the peak table."""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import _get_current_dispatch_mode

from vbench.measure import achieved_tflops, count_flops, first_forward_flops, fraction_of_peak, matmul_dtype
from vbench.measure.datasheet import gpu_key, peak_tflops


@pytest.mark.parametrize(("m", "k", "n"), [(1, 1, 1), (7, 64, 32), (128, 300, 17)])
@pytest.mark.parametrize("bias", [False, True])
def test_linear_flops_are_2mnk(m, k, n, bias):
    layer = torch.nn.Linear(k, n, bias=bias)
    count = count_flops(layer, torch.randn(m, k))
    assert count.flops == 2 * m * n * k
    assert count.reason is None and sum(count.by_op.values()) == count.flops
    assert count.to_dict()["unavailable"] == {}


def test_count_flops_failure_is_a_reason():
    count = count_flops(torch.nn.Linear(4, 4), torch.randn(2, 5))
    assert count.flops is None and "counting FLOPs failed" in count.reason
    assert "flops" in count.to_dict()["unavailable"]


def test_first_forward_flops_counts_one_forward_and_all_calls():
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 8))
    with torch.no_grad(), first_forward_flops(model) as count:
        for _ in range(3):  # e.g. cond + uncond over steps
            model(torch.randn(4, 16))
    assert count.forwards == 3
    assert count.flops == 2 * 4 * (16 * 32 + 32 * 8)
    assert not model._forward_hooks and not model._forward_pre_hooks
    assert _get_current_dispatch_mode() is None


def test_first_forward_that_raises_leaves_no_counter_behind():
    model = torch.nn.Linear(4, 4)
    with pytest.raises(RuntimeError), first_forward_flops(model) as count:
        model(torch.randn(2, 5))
    assert count.flops is None and count.forwards == 1 and "raised RuntimeError" in count.reason
    assert _get_current_dispatch_mode() is None
    assert not model._forward_hooks and not model._forward_pre_hooks


def test_first_forward_not_called():
    with first_forward_flops(torch.nn.Linear(2, 2)) as count:
        pass
    assert count.flops is None and "not called" in count.reason


def test_achieved_tflops():
    assert achieved_tflops(3e12, 1.5) == pytest.approx(2.0)
    assert achieved_tflops(None, 1.0) is None
    assert achieved_tflops(1e12, 0.0) is None


def test_device_names_resolve_through_the_hardware_profiles():
    """Which name is which card is the profiles' (tests/hardware); the peak is the matched profile's."""
    assert gpu_key("NVIDIA H100 80GB HBM3") == "h100-sxm" and gpu_key("NVIDIA GeForce RTX 4090 D") is None
    assert peak_tflops("NVIDIA H100 80GB HBM3", torch.bfloat16) == 989.5
    assert peak_tflops("NVIDIA H100 80GB HBM3", "fp8") == 1979.0
    assert peak_tflops("NVIDIA A100-SXM4-80GB", torch.float16) == 312.0
    assert peak_tflops("NVIDIA L4", "bf16") == 121.0
    assert peak_tflops("NVIDIA A100-SXM4-80GB", "fp8") is None  # no FP8 on Ampere
    assert peak_tflops("NVIDIA A10G", "bf16") is None  # a profile without tensor rates
    assert peak_tflops("NVIDIA H100 80GB HBM3", "float64") is None  # a dtype the profiles do not rate


def test_fraction_of_peak_and_its_reasons():
    value, reason = fraction_of_peak(494.75, "NVIDIA H100 80GB HBM3", torch.bfloat16)
    assert reason is None and value == pytest.approx(0.5)
    assert fraction_of_peak(100.0, "NVIDIA A10G", "bf16") == (
        None, "no datasheet peak known for 'NVIDIA A10G' in bf16")
    assert fraction_of_peak(100.0, None, "bf16") == (None, "no CUDA device")


def test_matmul_dtype_follows_tf32_setting():
    previous = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("highest")
        assert matmul_dtype(torch.float32) == "fp32"
        torch.set_float32_matmul_precision("high")
        assert matmul_dtype(torch.float32) == "tf32"
    finally:
        torch.set_float32_matmul_precision(previous)
    assert matmul_dtype(torch.bfloat16) == "bf16"
