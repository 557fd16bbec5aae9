"""Quality metrics throughput: vbench's scoring path against calling torchmetrics / lpips / the I3D directly.

Both paths get the same 256×256 frames and run interleaved, round by round, so drift of the
machine affects both alike; the fastest round of each is compared. Printed: frames per second of the fidelity set (PSNR + SSIM + LPIPS,
16 frame pairs) and of I3D feature extraction (one 16-frame clip, resized to 224×224). vbench
may be at most 10 % slower than the direct calls. Needs the real weights (``vbench weights
fetch``); ``benchmark`` records the vbench call for pytest-benchmark's JSON.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from vbench.env import pick_device  # noqa: E402
from vbench.metrics.weights import WeightsMissing, load_state_dict, require  # noqa: E402

GUARD = 1.10
FRAMES, SIZE = 16, 256


@pytest.fixture(scope="module")
def device():
    for name in ("lpips", "i3d"):
        try:
            require(name)
        except WeightsMissing as exc:
            pytest.skip(str(exc))
    return pick_device()


@pytest.fixture(scope="module")
def videos():
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 256, (1, FRAMES, SIZE, SIZE, 3), dtype=np.uint8)
    run = np.clip(ref + rng.normal(0, 12, ref.shape), 0, 255).astype(np.uint8)
    return run, ref


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _interleaved(ours, direct, rounds: int, device) -> tuple[list[float], list[float]]:
    ours(), direct()  # warm up both paths
    ours_s, direct_s = [], []
    for _ in range(rounds):
        for fn, out in ((ours, ours_s), (direct, direct_s)):
            _sync(device)
            t0 = time.perf_counter()
            fn()
            _sync(device)
            out.append(time.perf_counter() - t0)
    return ours_s, direct_s


def _report(what: str, frames: int, ours_s: list[float], direct_s: list[float], benchmark) -> float:
    """Print frames/s of both paths; return the ratio of their fastest rounds (the least disturbed by
    other processes on a shared CPU; the medians are printed beside it)."""
    ours, direct = min(ours_s), min(direct_s)
    ratio = ours / direct
    median_ratio = statistics.median(ours_s) / statistics.median(direct_s)
    print(f"\n{what}: vbench {frames / ours:.1f} frames/s, direct {frames / direct:.1f} frames/s "
          f"(fastest of {len(ours_s)} interleaved rounds) — ratio {ratio:.3f} (of medians {median_ratio:.3f})")
    benchmark.extra_info.update({f"{what}_vbench_fps": frames / ours, f"{what}_direct_fps": frames / direct,
                                 f"{what}_ratio": ratio, f"{what}_vbench_s": ours_s, f"{what}_direct_s": direct_s})
    return ratio


def test_fidelity_throughput(benchmark, device, videos):
    import lpips
    from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

    from vbench.metrics.pair_scorer import PairScorer

    run, ref = videos
    scorer = PairScorer(["psnr", "ssim", "lpips"], device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False)
    net.load_state_dict(load_state_dict("lpips"), strict=False)
    net = net.eval().to(device)

    def direct():
        a = torch.from_numpy(run[0]).to(device).permute(0, 3, 1, 2).float() / 255
        b = torch.from_numpy(ref[0]).to(device).permute(0, 3, 1, 2).float() / 255
        with torch.inference_mode():
            peak_signal_noise_ratio(a, b, data_range=1.0, reduction="none", dim=(1, 2, 3))
            structural_similarity_index_measure(a, b, data_range=1.0, reduction="none")
            net(a * 2 - 1, b * 2 - 1)

    def ours():
        with torch.inference_mode():
            scorer.score(run, ref)

    ours_s, direct_s = _interleaved(ours, direct, 3, device)
    ratio = _report("fidelity", FRAMES, ours_s, direct_s, benchmark)
    benchmark.pedantic(ours, rounds=1, iterations=1, warmup_rounds=0)
    assert ratio < GUARD


def test_i3d_feature_throughput(benchmark, device, videos):
    import torch.nn.functional as F

    from vbench.metrics.fvd import make_extractor, video_features

    video = torch.from_numpy(videos[0])
    extractor = make_extractor(device)
    model = extractor.model

    def direct():
        x = video.to(device).permute(0, 4, 1, 2, 3).float() / 255 * 2 - 1  # (1, 3, T, H, W)
        frames = x[0].permute(1, 0, 2, 3)  # (T, 3, H, W)
        x = F.interpolate(frames, size=(224, 224), mode="bilinear", align_corners=False)
        with torch.inference_mode():
            model(x.permute(1, 0, 2, 3)[None])

    def ours():
        video_features(video, extractor)

    ours_s, direct_s = _interleaved(ours, direct, 4, device)
    ratio = _report("i3d", FRAMES, ours_s, direct_s, benchmark)
    benchmark.pedantic(ours, rounds=1, iterations=1, warmup_rounds=0)
    assert ratio < GUARD
