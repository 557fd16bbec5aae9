"""Datasheet peak TFLOP/s of known GPUs, dense (no 2:4 sparsity), at boost clock.

The datasheets print the tensor-core figures *with* sparsity (marked ``*``); the values here are
half of those. ``fp32`` is the non-tensor FP32 rate (PyTorch's default for float32 matmuls),
``tf32`` the tensor-core rate used when ``torch.backends.cuda.matmul.allow_tf32`` is on (cuDNN
convolutions use TF32 by default). fp16/bf16 are with FP32 accumulation, which is what PyTorch
uses; GeForce cards run that at half their FP16-accumulate rate. A GPU or dtype missing from the
table gives ``None``: the fraction of peak is then unavailable, never guessed.
"""

from __future__ import annotations

import re
from typing import Any

# name -> {dtype: dense TFLOP/s (TOPS for int8)}
PEAKS: dict[str, dict[str, float]] = {
    # NVIDIA H100 datasheet (nvidia.com/en-us/data-center/h100, 2023): SXM FP32 67, TF32 989*,
    # BF16/FP16 1,979*, FP8/INT8 3,958*; PCIe FP32 51, TF32 756*, BF16 1,513*, FP8 3,026*;
    # NVL FP32 60, TF32 835*, BF16 1,671*, FP8 3,341*.  (* with sparsity)
    "H100 SXM": {"fp32": 67.0, "tf32": 494.5, "bf16": 989.5, "fp16": 989.5, "fp8": 1979.0, "int8": 1979.0},
    "H100 PCIe": {"fp32": 51.0, "tf32": 378.0, "bf16": 756.5, "fp16": 756.5, "fp8": 1513.0, "int8": 1513.0},
    "H100 NVL": {"fp32": 60.0, "tf32": 417.5, "bf16": 835.5, "fp16": 835.5, "fp8": 1670.5, "int8": 1670.5},
    # NVIDIA H200 datasheet (nvidia.com/en-us/data-center/h200, 2024): SXM as H100 SXM,
    # NVL as H100 NVL. GH200 (Grace Hopper superchip datasheet): the GPU's rates equal H100 SXM.
    "H200 SXM": {"fp32": 67.0, "tf32": 494.5, "bf16": 989.5, "fp16": 989.5, "fp8": 1979.0, "int8": 1979.0},
    "H200 NVL": {"fp32": 60.0, "tf32": 417.5, "bf16": 835.5, "fp16": 835.5, "fp8": 1670.5, "int8": 1670.5},
    # NVIDIA A100 datasheet (2021, 40 GB and 80 GB, SXM and PCIe alike): FP32 19.5,
    # TF32 156 | 312*, BF16/FP16 312 | 624*, INT8 624 | 1,248*.
    "A100": {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0, "fp16": 312.0, "int8": 624.0},
    # NVIDIA L40S datasheet (2023): FP32 91.6, TF32 183 | 366*, BF16/FP16 362.05 | 733*,
    # FP8 733 | 1,466*, INT8 733 | 1,466*.
    "L40S": {"fp32": 91.6, "tf32": 183.0, "bf16": 362.05, "fp16": 362.05, "fp8": 733.0, "int8": 733.0},
    # NVIDIA L40 datasheet (2022): FP32 90.5, TF32 90.5 | 181*, BF16/FP16 181.05 | 362.1*, FP8 362 | 724*.
    "L40": {"fp32": 90.5, "tf32": 90.5, "bf16": 181.05, "fp16": 181.05, "fp8": 362.0},
    # NVIDIA L4 datasheet (2023): FP32 30.3, TF32 120*, BF16/FP16 242*, FP8/INT8 485*.
    "L4": {"fp32": 30.3, "tf32": 60.0, "bf16": 121.0, "fp16": 121.0, "fp8": 242.5, "int8": 242.5},
    # NVIDIA A10 datasheet (2021): FP32 31.2, TF32 62.5 | 125*, BF16/FP16 125 | 250*, INT8 250 | 500*.
    # The A10G (AWS G5) has no NVIDIA datasheet with tensor rates, so it is left out on purpose.
    "A10": {"fp32": 31.2, "tf32": 62.5, "bf16": 125.0, "fp16": 125.0, "int8": 250.0},
    # NVIDIA Ada Lovelace architecture whitepaper v1.01, appendix table (RTX 4090): FP32 82.6,
    # TF32 82.6 | 165.2*, FP16/BF16 with FP32 accumulate 165.2 | 330.4*.
    "RTX 4090": {"fp32": 82.6, "tf32": 82.6, "bf16": 165.2, "fp16": 165.2},
    # NVIDIA Ampere GA102 whitepaper v2.0, table (RTX 3090): FP32 35.6, TF32 35.6 | 71*,
    # FP16/BF16 with FP32 accumulate 71 | 142*.
    "RTX 3090": {"fp32": 35.6, "tf32": 35.6, "bf16": 71.0, "fp16": 71.0},
    # NVIDIA V100 datasheet (2020): SXM2 FP32 15.7, tensor 125; PCIe FP32 14, tensor 112 (no bf16).
    "V100 SXM2": {"fp32": 15.7, "fp16": 125.0},
    "V100 PCIe": {"fp32": 14.0, "fp16": 112.0},
    # NVIDIA T4 datasheet (2019): FP32 8.1, mixed-precision FP16/FP32 65, INT8 130.
    "T4": {"fp32": 8.1, "fp16": 65.0, "int8": 130.0},
}

# (pattern on the lower-case device name, table key); first match wins, so specific names go first.
# torch names, e.g. "NVIDIA H100 80GB HBM3" (SXM), "NVIDIA H100 PCIe", "NVIDIA A100-SXM4-80GB",
# "NVIDIA GeForce RTX 4090", "Tesla V100-SXM2-16GB".
_PATTERNS: list[tuple[str, str | None]] = [
    (r"\bgh200\b", "H100 SXM"),  # before "h200": the GH200 datasheet gives H100 SXM rates
    (r"\bh200 nvl\b", "H200 NVL"),
    (r"\bh200\b", "H200 SXM"),
    (r"\bh100 nvl\b", "H100 NVL"),
    (r"\bh100 pcie\b", "H100 PCIe"),
    (r"\bh100\b", "H100 SXM"),
    (r"\ba100\b", "A100"),
    (r"\bl40s\b", "L40S"),
    (r"\bl40$", "L40"),
    (r"\bl4$", "L4"),
    (r"\ba10g\b", None),
    (r"\ba10$", "A10"),
    (r"\brtx 4090$", "RTX 4090"),  # not the 4090 D or the laptop part
    (r"\brtx 3090$", "RTX 3090"),  # not the 3090 Ti
    (r"\bv100-sxm2\b", "V100 SXM2"),
    (r"\bv100-pcie\b", "V100 PCIe"),
    (r"\bt4$", "T4"),
]

_DTYPES = {"float32": "fp32", "float": "fp32", "fp32": "fp32", "tf32": "tf32",
           "bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "half": "fp16", "fp16": "fp16",
           "float8_e4m3fn": "fp8", "float8_e5m2": "fp8", "fp8": "fp8", "int8": "int8"}


def gpu_key(gpu_name: str) -> str | None:
    """The table row for a device name, or None when it is not known.

    >>> gpu_key("NVIDIA H100 80GB HBM3"), gpu_key("NVIDIA GeForce RTX 4090 D")
    ('H100 SXM', None)
    """
    name = re.sub(r"\s+", " ", gpu_name.strip().lower())
    for pattern, key in _PATTERNS:
        if re.search(pattern, name):
            return key
    return None


def dtype_key(dtype: Any) -> str | None:
    """``torch.bfloat16``, ``"bf16"``, ``"float16"``… -> the table's dtype key."""
    text = str(dtype).lower().removeprefix("torch.")
    return _DTYPES.get(text)


def peak_tflops(gpu_name: str, dtype: Any) -> float | None:
    """Dense datasheet peak TFLOP/s of ``gpu_name`` for ``dtype``; None when unknown.

    >>> peak_tflops("NVIDIA A100-SXM4-80GB", "bf16")
    312.0
    """
    key, dkey = gpu_key(gpu_name), dtype_key(dtype)
    if key is None or dkey is None:
        return None
    return PEAKS[key].get(dkey)
