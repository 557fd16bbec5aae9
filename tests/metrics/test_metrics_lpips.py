"""LPIPS-alex with the converted real weights: against the lpips package itself and FACTS.md's values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from vbench.metrics.frames import to_frames
from vbench.metrics.lpips_alex import build_lpips, lpips_per_frame
from vbench.metrics.weights import FETCH_COMMAND, WeightsMissing, load_state_dict

TOL = 1e-5


def _package_lpips(spatial: bool = False):
    """``lpips.LPIPS(net="alex")`` built by the package, with only the converted backbone loaded into it."""
    import lpips

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = lpips.LPIPS(net="alex", pnet_rand=True, spatial=spatial, verbose=False)  # package's own lin layers
    backbone = {k: v for k, v in load_state_dict("lpips").items() if k.startswith("net.")}
    model.net.load_state_dict({k[len("net."):]: v for k, v in backbone.items()}, strict=False)
    for name, value in backbone.items():
        assert torch.equal(model.state_dict()[name], value)
    return model.eval()


def test_converted_linear_layers_equal_the_packages_own(lpips_weights):
    package = _package_lpips()
    ours = load_state_dict("lpips")
    for i in range(5):
        assert torch.equal(ours[f"lin{i}.model.1.weight"], package.state_dict()[f"lin{i}.model.1.weight"])


@pytest.mark.parametrize("seed,shape", [(0, (3, 64, 64)), (1, (2, 48, 80)), (2, (4, 96, 64)), (3, (1, 64, 128))])
def test_agrees_with_the_lpips_package_on_random_frames(lpips_weights, seed, shape):
    rng = np.random.default_rng(seed)
    n, h, w = shape
    ref = rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    run = np.clip(ref + rng.normal(0, 30, ref.shape), 0, 255).astype(np.uint8)
    a, b = to_frames(torch.from_numpy(run)), to_frames(torch.from_numpy(ref))
    ours = lpips_per_frame(a, b, batch=2)
    with torch.no_grad():
        direct = _package_lpips()(a * 2 - 1, b * 2 - 1).reshape(-1)
    np.testing.assert_allclose(ours.numpy(), direct.numpy(), atol=TOL, rtol=0)
    assert (ours > 0).all()


def test_reproduces_the_published_constant_image_values(lpips_weights):
    """FACTS.md: constant −1 vs +1, 64×64 → 0.81395 (spatial average), 0.81404 (mean of the spatial map)."""
    lo, hi = -torch.ones(1, 3, 64, 64), torch.ones(1, 3, 64, 64)
    with torch.no_grad():
        avg = float(build_lpips("cpu")(lo, hi))
        spatial = float(build_lpips("cpu", spatial=True)(lo, hi).mean())
    assert avg == pytest.approx(0.81395, abs=1e-5)
    assert spatial == pytest.approx(0.81404, abs=1e-5)
    assert float(lpips_per_frame((lo + 1) / 2, (hi + 1) / 2)) == pytest.approx(avg, abs=1e-6)


def test_missing_weights_raise_with_the_fetch_command(no_weights):
    with pytest.raises(WeightsMissing, match=FETCH_COMMAND + " lpips"):
        build_lpips("cpu")
