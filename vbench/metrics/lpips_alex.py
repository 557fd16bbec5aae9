"""LPIPS-alex through the ``lpips`` package, with the real AlexNet backbone from the converted weights.

``lpips.LPIPS(net="alex", pnet_rand=True)`` builds the network without downloading anything;
:func:`build_lpips` then loads the converted backbone (``net.slice1..5``) and the v0.1 linear
layers (``lin0..4``) from :func:`vbench.metrics.weights.load_state_dict`. Without those weights it
raises :class:`~vbench.metrics.weights.WeightsMissing`; it never runs with random weights.

LPIPS of two frames ``x, y`` in ``[-1, 1]``:
``Σ_l mean_{h,w} ‖ w_l ⊙ (φ̂_l(x) − φ̂_l(y)) ‖²`` with ``φ̂_l`` the unit-normalized AlexNet
features of layer ``l`` and ``w_l`` the learned linear weights.
"""

from __future__ import annotations

import functools
import warnings

import torch

from vbench.metrics.frames import chunks

#: Frame pairs per LPIPS forward.
LPIPS_BATCH = 16


def build_lpips(device: str | torch.device = "cpu", *, spatial: bool = False):
    """An ``lpips.LPIPS(net="alex")`` in eval mode holding the converted weights.

    Raises:
        WeightsMissing: ``vbench weights fetch lpips`` has not been run.
    """
    return _build(str(torch.device(device)), spatial)


@functools.lru_cache(maxsize=4)
def _build(device: str, spatial: bool):
    import lpips

    from vbench.metrics.weights import load_state_dict

    state = load_state_dict("lpips")  # raises WeightsMissing first: no network is built for nothing
    with warnings.catch_warnings():  # torchvision's deprecation notes about pretrained=False
        warnings.simplefilter("ignore", UserWarning)
        model = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, spatial=spatial, verbose=False)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith(("scaling_layer.", "lins."))]
    if missing or result.unexpected_keys:
        raise ValueError(f"converted LPIPS weights do not fit lpips.LPIPS: missing {missing}, "
                         f"unexpected {result.unexpected_keys}")
    return model.eval().requires_grad_(False).to(device)


def lpips_per_frame(preds: torch.Tensor, target: torch.Tensor, model=None,
                    batch: int = LPIPS_BATCH) -> torch.Tensor:
    """LPIPS of each frame pair; frames ``(F, 3, H, W)`` in ``[0, 1]`` (mapped to ``[-1, 1]``)."""
    if preds.shape != target.shape or preds.ndim != 4:
        raise ValueError(f"frames must be (F, 3, H, W) of equal shapes, got {tuple(preds.shape)} "
                         f"and {tuple(target.shape)}")
    model = model if model is not None else build_lpips(preds.device)
    out = []
    with torch.inference_mode():
        for s in chunks(preds.shape[0], batch):
            out.append(model(preds[s] * 2 - 1, target[s] * 2 - 1).reshape(-1))
    return torch.cat(out)
