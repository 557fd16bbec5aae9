"""The parameter table `vbench list` shows (vbench.scenario.arch_sizes) is what `arch` builds:
every entry recounted on the meta device; and `vbench list` shows it without importing torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vbench.scenario import ARCH_MODELS
from vbench.scenario.arch_sizes import ARCH_SIZES


def test_every_arch_model_has_an_entry():
    assert set(ARCH_SIZES) == set(ARCH_MODELS)


@pytest.mark.parametrize("name", sorted(ARCH_MODELS))
def test_the_table_is_what_arch_builds(name):
    from vbench.models import parameter_counts, text_encoder_counts

    model = {"family": ARCH_MODELS[name], "source": "arch", "name": name}
    counted = parameter_counts(model)
    assert (counted["denoiser"], counted["vae"]) == (ARCH_SIZES[name]["denoiser"], ARCH_SIZES[name]["vae"])
    assert counted.get("other", {}) == ARCH_SIZES[name].get("other", {})
    assert text_encoder_counts(model) == ARCH_SIZES[name]["text_encoders"]


def test_vbench_list_imports_no_torch():
    code = ("import sys; from vbench.cli.main import main; rc = main(['list']); "
            "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, 'torch imported'; sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "5.681 B (UMT5EncoderModel)" in done.stdout and "7.505 B (LlamaModel) + 0.123 B (CLIPTextModel)" in done.stdout
