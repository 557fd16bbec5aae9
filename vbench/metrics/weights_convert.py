"""Flax checkpoints (FACTS.md) to torch state dicts: renamed keys, torch layouts, float32.

* Flax conv kernels are ``(T, H, W, Cin, Cout)`` / ``(H, W, Cin, Cout)``; torch wants
  ``(Cout, Cin, T, H, W)`` / ``(Cout, Cin, H, W)``: ``transpose(4, 3, 0, 1, 2)`` / ``transpose(3, 2, 0, 1)``.
* I3D's BatchNorm has an offset (``bias``) and no scale; its statistics are stored ``(1,1,1,1,C)``.
* LPIPS' AlexNet convs 0..4 go to ``net.slice{1..5}.{0,3,6,8,10}`` of ``lpips.LPIPS(net="alex")``,
  its ``NetLinLayer_i`` to ``lin{i}.model.1``.
"""

from __future__ import annotations

import numpy as np

#: torch index of AlexNet's conv i inside ``lpips.pretrained_networks.alexnet`` (torchvision's numbering)
ALEX_SLICES = ((1, 0), (2, 3), (3, 6), (4, 8), (5, 10))


def convert_lpips(flat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``AlexNet_0/Conv_i/{kernel,bias}`` + ``NetLinLayer_i/Conv_0/kernel`` → ``lpips.LPIPS`` keys."""
    out: dict[str, np.ndarray] = {}
    for i, (slice_no, index) in enumerate(ALEX_SLICES):
        kernel = flat[f"AlexNet_0/Conv_{i}/kernel"]
        out[f"net.slice{slice_no}.{index}.weight"] = kernel.transpose(3, 2, 0, 1)
        out[f"net.slice{slice_no}.{index}.bias"] = flat[f"AlexNet_0/Conv_{i}/bias"]
        out[f"lin{i}.model.1.weight"] = flat[f"NetLinLayer_{i}/Conv_0/kernel"].transpose(3, 2, 0, 1)
    expected = {f"AlexNet_0/Conv_{i}/{p}" for i in range(5) for p in ("kernel", "bias")}
    expected |= {f"NetLinLayer_{i}/Conv_0/kernel" for i in range(5)}
    _no_leftovers(flat, expected, "LPIPS")
    return _finish(out)


def convert_i3d(flat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``params/…`` and ``batch_stats/…`` → the keys of :class:`vbench.metrics.i3d.InceptionI3d`."""
    suffixes = {
        ("params", "Conv_0/kernel"): "conv.weight",
        ("params", "Conv_0/bias"): "conv.bias",
        ("params", "BatchNorm_0/bias"): "bn.offset",
        ("batch_stats", "BatchNorm_0/mean"): "bn.mean",
        ("batch_stats", "BatchNorm_0/var"): "bn.var",
    }
    out: dict[str, np.ndarray] = {}
    for key, value in flat.items():
        collection, _, rest = key.partition("/")
        for (coll, suffix), target in suffixes.items():
            if coll == collection and rest.endswith("/" + suffix):
                module = rest[: -len(suffix) - 1].replace("/", ".")
                if target == "conv.weight":
                    value = value.transpose(4, 3, 0, 1, 2)
                elif target in ("bn.mean", "bn.var"):
                    value = value.reshape(-1)
                out[f"{module}.{target}"] = value
                break
        else:
            raise ValueError(f"I3D checkpoint has an unexpected entry {key!r}")
    return _finish(out)


def _no_leftovers(flat: dict, expected: set[str], what: str) -> None:
    extra = sorted(set(flat) - expected)
    if extra:
        raise ValueError(f"{what} checkpoint has unexpected entries {extra[:5]}")


def _finish(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sorted(out.items())}
