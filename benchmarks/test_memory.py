"""Memory-saving settings on the tiny Wan model: offload (needs an accelerator; a skip with diffusers'
reason on a CPU), VAE tiling and frame chunking, each against the same untouched run."""

import pytest

MEMORY = {
    "name": "memory",
    "model": {"family": "wan", "source": "tiny"},
    "workload": {"num_frames": 17, "height": 128, "width": 128, "num_inference_steps": 2},
    "measure": {"warmup": 1, "repeats": 2, "rel_ci": None},
    "reference": {"enabled": False},
    "sweep": {"zip": [{
        "offload": ["none", "model", "sequential", "none", "none", "none"],
        "vae_tiling": [False, False, False, True, False, False],
        "chunk_frames": [None, None, None, None, 3, 2],
    }]},
}


@pytest.mark.vbench(MEMORY)
def test_memory_settings(vbench_record):
    assert vbench_record["memory"]["peak"]["bytes"] > 0
