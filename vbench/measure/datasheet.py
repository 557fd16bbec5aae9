"""Datasheet peak TFLOP/s of known GPUs, dense (no 2:4 sparsity), at boost clock, read from the
hardware profiles (:mod:`vbench.hardware`, ``gpus.yaml``, each number with its source).

The datasheets print the tensor-core figures *with* sparsity (marked ``*``); the values there are
half of those. ``fp32`` is the non-tensor FP32 rate (PyTorch's default for float32 matmuls),
``tf32`` the tensor-core rate used when ``torch.backends.cuda.matmul.allow_tf32`` is on (cuDNN
convolutions use TF32 by default). fp16/bf16 are with FP32 accumulation, which is what PyTorch
uses; GeForce cards run that at half their FP16-accumulate rate. A GPU or dtype missing from the
table gives ``None``: the fraction of peak is then unavailable, never guessed.
"""

from __future__ import annotations

from typing import Any

from vbench.hardware import match_profile

_DTYPES = {"float32": "fp32", "float": "fp32", "fp32": "fp32", "tf32": "tf32",
           "bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "half": "fp16", "fp16": "fp16",
           "float8_e4m3fn": "fp8", "float8_e5m2": "fp8", "fp8": "fp8", "int8": "int8"}


def gpu_key(gpu_name: str) -> str | None:
    """The hardware profile id of a device name (:func:`vbench.hardware.match_profile`), or None.

    >>> gpu_key("NVIDIA H100 80GB HBM3"), gpu_key("NVIDIA GeForce RTX 4090 D")
    ('h100-sxm', None)
    """
    profile = match_profile(gpu_name)
    return profile.id if profile is not None else None


def dtype_key(dtype: Any) -> str | None:
    """``torch.bfloat16``, ``"bf16"``, ``"float16"``… -> the table's dtype key."""
    text = str(dtype).lower().removeprefix("torch.")
    return _DTYPES.get(text)


def peak_tflops(gpu_name: str, dtype: Any) -> float | None:
    """Dense datasheet peak TFLOP/s of ``gpu_name`` for ``dtype``; None when unknown.

    >>> peak_tflops("NVIDIA A100-SXM4-80GB", "bf16")
    312.0
    """
    profile, dkey = match_profile(gpu_name), dtype_key(dtype)
    if profile is None or dkey is None:
        return None
    return profile.peak_tflops(dkey)
