"""Quality metrics (layer 3): pure functions of tensors plus small streaming accumulators.

* :mod:`~vbench.metrics.frame_fidelity` -- PSNR, SSIM per frame (torchmetrics) and :class:`FidelityMeter`
* :mod:`~vbench.metrics.lpips_alex` -- LPIPS-alex (the ``lpips`` package, converted real weights)
* :mod:`~vbench.metrics.i3d`, :mod:`~vbench.metrics.fvd`, :mod:`~vbench.metrics.frechet` -- FVD
* :mod:`~vbench.metrics.temporal`, :mod:`~vbench.metrics.flow` -- temporal consistency
* :mod:`~vbench.metrics.weights`, :mod:`~vbench.metrics.weights_fetch` -- pretrained weights
* :mod:`~vbench.metrics.pair_scorer` -- :class:`PairScorer`, a run against its reference

Imports of torch happen in the submodules; ``import vbench.metrics`` alone is cheap.
"""

from vbench.metrics.weights import FETCH_COMMAND, WEIGHTS, WeightsMissing

__all__ = ["FETCH_COMMAND", "WEIGHTS", "WeightsMissing"]
