"""A tiny pipeline gives the same bits in a fresh process, and importing vbench.models stays cheap."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from zoo_workloads import workload

from vbench.models import build_pipeline

SCRIPT = """
import hashlib, json, sys
import torch
from vbench.models import build_pipeline
torch.set_num_threads(1)  # as in this process (conftest.py)
built = build_pipeline({"family": "hunyuan", "source": "tiny", "weights_seed": 3})
frames = built.pipe(**built.call_kwargs(json.loads(sys.argv[1]), device="cpu")).frames
print(hashlib.sha256(frames.tobytes()).hexdigest())
"""


def test_bit_identical_across_processes():
    work = workload("hunyuan")
    built = build_pipeline({"family": "hunyuan", "source": "tiny", "weights_seed": 3})
    here = hashlib.sha256(built.pipe(**built.call_kwargs(work, device="cpu")).frames.tobytes()).hexdigest()
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(work)], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == here


def test_import_is_cheap():
    code = ("import sys, vbench.models as m; "
            "assert m.FAMILIES and 'Wan2.1-T2V-1.3B' in m.ARCH_MODELS; "
            "print(sorted(x for x in ('torch', 'diffusers', 'transformers') if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
