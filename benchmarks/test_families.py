"""Every family: the tiny pipelines on any machine; the published architectures on a GPU."""

import pytest
from bench_paths import SCENARIOS

FAMILIES = ["wan", "cogvideox", "ltx", "svd", "hunyuan", "mochi"]

# published architectures with random weights, at sizes a GPU runner finishes in minutes
ARCH = {
    "wan": ("Wan2.1-T2V-1.3B", 33, 480, 832),
    "cogvideox": ("CogVideoX-2b", 49, 480, 720),
    "ltx": ("LTX-Video", 49, 480, 704),
    "hunyuan": ("HunyuanVideo", 33, 320, 512),
    "mochi": ("Mochi-1", 31, 480, 848),
    "svd": ("SVD-XT", 14, 576, 1024),
}


def _arch(family: str) -> dict:
    name, frames, height, width = ARCH[family]
    return {"name": f"arch-{family}", "model": {"family": family, "source": "arch", "name": name},
            "workload": {"num_frames": frames, "height": height, "width": width, "num_inference_steps": 4},
            "optimizations": {"precision": "bf16"}, "reference": {"enabled": False},
            "measure": {"device": "cuda", "warmup": 1, "repeats": 3}}


@pytest.mark.vbench([SCENARIOS / f"tiny-{f}.yaml" for f in FAMILIES],
                    set=["measure.repeats=2", "measure.rel_ci=null", "sweep.product.precision=[fp32]"])
def test_tiny_family(vbench_record):
    assert vbench_record["outputs"]["shape"][1] == vbench_record["spec"]["workload"]["num_frames"]


@pytest.mark.gpu
@pytest.mark.vbench([_arch(f) for f in FAMILIES])
def test_arch_family(vbench_record):
    assert vbench_record["timing"]["clock"] == "cuda_events"
